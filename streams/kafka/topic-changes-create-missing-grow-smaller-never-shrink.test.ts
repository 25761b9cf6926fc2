import { describe, expect, it } from 'vitest';
import { SluiceError } from '../../core/errors.ts';
import { planTopicChanges } from './topic-changes.ts';

describe('planTopicChanges', () => {
  it('creates missing topics, grows smaller ones and leaves equal or larger ones alone', () => {
    const existing = new Map([
      ['small', 2],
      ['same', 4],
      ['large', 12],
    ]);
    const plan = planTopicChanges(
      [
        { topic: 'new', partitions: 3 },
        { topic: 'small', partitions: 6 },
        { topic: 'same', partitions: 4 },
        { topic: 'large', partitions: 6 },
      ],
      existing,
    );
    expect(plan.create).toEqual([{ topic: 'new', partitions: 3 }]);
    expect(plan.grow).toEqual([{ topic: 'small', partitions: 6, from: 2 }]);
  });

  it('merges a topic named twice into one change with the larger count', () => {
    const plan = planTopicChanges(
      [
        { topic: 't', partitions: 2 },
        { topic: 't', partitions: 5 },
        { topic: 't', partitions: 1 },
      ],
      new Map(),
    );
    expect(plan.create).toEqual([{ topic: 't', partitions: 5 }]);
  });

  it('rejects an empty name or a partition count that is not a whole number ≥ 1, naming the topic', () => {
    expect(() => planTopicChanges([{ topic: '', partitions: 1 }], new Map())).toThrow(SluiceError);
    expect(() => planTopicChanges([{ topic: 'x', partitions: 0 }], new Map())).toThrow(/topic "x"/);
    expect(() => planTopicChanges([{ topic: 'x', partitions: 1.5 }], new Map())).toThrow(/whole number/);
  });

  it('unites the configs of a topic named twice, and refuses two values for one config', () => {
    const plan = planTopicChanges(
      [
        { topic: 't', partitions: 2, configs: { 'max.message.bytes': '2000000' } },
        { topic: 't', partitions: 3, configs: { 'cleanup.policy': 'delete' } },
      ],
      new Map(),
    );
    expect(plan.create).toEqual([
      { topic: 't', partitions: 3, configs: { 'max.message.bytes': '2000000', 'cleanup.policy': 'delete' } },
    ]);
    expect(() =>
      planTopicChanges(
        [
          { topic: 't', partitions: 1, configs: { 'max.message.bytes': '1' } },
          { topic: 't', partitions: 1, configs: { 'max.message.bytes': '2' } },
        ],
        new Map(),
      ),
    ).toThrow(/max.message.bytes=1 and with max.message.bytes=2/);
  });
});
