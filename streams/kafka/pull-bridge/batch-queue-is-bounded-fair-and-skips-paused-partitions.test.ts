import { describe, expect, it } from 'vitest';
import type { InputRecord } from '../../types.ts';
import { BatchQueue } from './batch-queue.ts';

function records(partition: number, from: number, count: number, topic = 't'): InputRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    topic,
    partition,
    offset: from + i,
    key: null,
    value: null,
    headers: {},
    timestampMs: 0,
  }));
}

const at = (rs: InputRecord[]) => rs.map((r) => `${r.partition}:${r.offset}`);

describe('BatchQueue', () => {
  it('never holds more than its limit: room shrinks with pushes and grows with takes', () => {
    const queue = new BatchQueue(10);
    expect(queue.room()).toBe(10);
    queue.push({ topic: 't', partition: 0 }, records(0, 0, 6));
    expect(queue.room()).toBe(4);
    expect(() => queue.push({ topic: 't', partition: 1 }, records(1, 0, 5))).toThrow(RangeError);
    queue.push({ topic: 't', partition: 1 }, records(1, 0, 4));
    expect(queue.size).toBe(10);
    expect(queue.room()).toBe(0);
    expect(queue.take(3)).toHaveLength(3);
    expect(queue.room()).toBe(3);
  });

  it('hands out each partition in offset order and shares a take fairly across partitions', () => {
    const queue = new BatchQueue(100);
    queue.push({ topic: 't', partition: 0 }, records(0, 0, 10));
    queue.push({ topic: 't', partition: 1 }, records(1, 50, 2));
    queue.push({ topic: 't', partition: 2 }, records(2, 7, 10));
    const first = queue.take(9);
    // Fair share is 3 each; partition 1 has only 2, so the second pass fills the gap.
    expect(first.filter((r) => r.partition === 1)).toHaveLength(2);
    expect(first).toHaveLength(9);
    const rest = queue.take(100);
    expect(queue.size).toBe(0);
    for (const p of [0, 1, 2]) {
      const offsets = [...first, ...rest].filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
    expect(first.length + rest.length).toBe(22);
  });

  it('rotates the partition it starts from, so a small take does not starve later partitions', () => {
    const queue = new BatchQueue(100);
    for (const p of [0, 1, 2]) queue.push({ topic: 't', partition: p }, records(p, 0, 5));
    const firsts = [queue.take(1), queue.take(1), queue.take(1)].map((rs) => rs[0]!.partition);
    expect(new Set(firsts)).toEqual(new Set([0, 1, 2]));
  });

  it('skips partitions the reader cannot take (paused) and keeps their records, in order, for later', () => {
    const queue = new BatchQueue(100);
    queue.push({ topic: 't', partition: 0 }, records(0, 100, 3));
    queue.push({ topic: 't', partition: 1 }, records(1, 0, 3));
    const onlyPartition1 = (_topic: string, partition: number) => partition === 1;
    expect(at(queue.take(10, onlyPartition1))).toEqual(['1:0', '1:1', '1:2']);
    expect(queue.take(10, onlyPartition1)).toEqual([]);
    expect(queue.sizeOf({ topic: 't', partition: 0 })).toBe(3);
    expect(queue.room()).toBe(97);
    expect(at(queue.take(10))).toEqual(['0:100', '0:101', '0:102']);
  });

  it('keeps topics apart: the same partition number of two topics is two lanes', () => {
    const queue = new BatchQueue(100);
    queue.push({ topic: 'a', partition: 0 }, records(0, 0, 3, 'a'));
    queue.push({ topic: 'b', partition: 0 }, records(0, 10, 3, 'b'));
    expect(queue.sizeOf({ topic: 'a', partition: 0 })).toBe(3);
    expect(queue.take(10, (topic) => topic === 'b').map((r) => r.offset)).toEqual([10, 11, 12]);
  });

  it('stays correct across compaction of a long lane', () => {
    const queue = new BatchQueue(5000);
    queue.push({ topic: 't', partition: 0 }, records(0, 0, 5000));
    const seen: number[] = [];
    let next = 5000;
    for (let round = 0; round < 20; round++) {
      for (const r of queue.take(700)) seen.push(r.offset);
      const room = queue.room();
      queue.push({ topic: 't', partition: 0 }, records(0, next, room));
      next += room;
    }
    for (const r of queue.take(10_000)) seen.push(r.offset);
    expect(seen).toEqual(Array.from({ length: next }, (_, i) => i));
  });

  it('clear empties everything', () => {
    const queue = new BatchQueue(10);
    queue.push({ topic: 't', partition: 0 }, records(0, 0, 4));
    queue.clear();
    expect(queue.size).toBe(0);
    expect(queue.room()).toBe(10);
    expect(queue.take(10)).toEqual([]);
  });
});
