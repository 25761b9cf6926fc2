import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../core/logger.ts';
import { settledNow } from '../../../tests/support/settled-now.ts';
import type { TopicPartition } from '../../types.ts';
import { BatchQueue } from '../pull-bridge/batch-queue.ts';
import { MemberState } from '../pull-bridge/member-state.ts';
import { Signal } from '../pull-bridge/signal.ts';
import { BatchFeeder } from './batch-feeder.ts';

const message = (offset: number): KafkaMessage => ({
  key: null,
  value: Buffer.from(`v${offset}`),
  timestamp: '0',
  attributes: 0,
  offset: String(offset),
  headers: {},
});

/** A feeder over a member that owns partitions 0 and 1 of topic t, as after its first poll. */
function setup(queueLimit: number) {
  const state = new MemberState();
  state.joined([
    { topic: 't', partition: 0 },
    { topic: 't', partition: 1 },
  ]);
  state.startAssign();
  const queue = new BatchQueue(queueLimit);
  const signal = new Signal();
  const kafkaPaused: TopicPartition[] = [];
  let rebalances = 0;
  const feeder = new BatchFeeder({
    state,
    queue,
    signal,
    kafkaPause: (tp) => kafkaPaused.push(tp),
    rebalanceDetected: () => {
      if (state.rebalanceDetected()) {
        rebalances++;
        queue.clear();
      }
    },
    closing: () => false,
    revokeWaitMs: 5_000,
    tickMs: 5,
    logger: silentLogger,
  });
  return { state, queue, signal, feeder, kafkaPaused, rebalances: () => rebalances };
}

function payload(partition: number, offsets: number[], heartbeat: () => Promise<void> = async () => {}) {
  const resolved: string[] = [];
  const beats = { count: 0 };
  const value = {
    batch: { topic: 't', partition, messages: offsets.map(message) },
    resolveOffset: (offset: string) => resolved.push(offset),
    heartbeat: () => {
      beats.count++;
      return heartbeat();
    },
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
  return { payload: value, resolved, beats };
}

/**
 * A waiting feeder re-checks its conditions every `tickMs` (5 ms here) and heartbeats after each
 * check. On the fake clock, 10 ticks later it has demonstrably looked again (the heartbeat count
 * shows it) and chose to keep waiting: that is what "still pending" means, with no real sleep
 * that a slow machine could make too short.
 */
async function tenTicksLater(): Promise<void> {
  await vi.advanceTimersByTimeAsync(50);
}

describe('BatchFeeder', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('queues a batch as room allows and resolves kafkajs offsets only past what it queued', async () => {
    const { queue, signal, feeder } = setup(3);
    const { payload: p, resolved, beats } = payload(0, [10, 11, 12, 13, 14]);
    const running = feeder.eachBatch(p);
    await tenTicksLater();
    expect(await settledNow(running)).toBe(false);
    expect(beats.count).toBeGreaterThanOrEqual(2);
    expect(queue.size).toBe(3);
    expect(resolved).toEqual(['12']);
    expect(queue.take(10).map((r) => r.offset)).toEqual([10, 11, 12]);
    signal.notify();
    await running;
    expect(resolved).toEqual(['12', '14']);
    expect(queue.take(10).map((r) => r.offset)).toEqual([13, 14]);
  });

  it('leaves a paused partition to kafkajs (paused there) while others run, but parks when all are paused', async () => {
    const { state, queue, signal, feeder, kafkaPaused } = setup(100);
    state.pause([{ topic: 't', partition: 0 }]);
    const first = payload(0, [0, 1]);
    await feeder.eachBatch(first.payload);
    expect(kafkaPaused).toEqual([{ topic: 't', partition: 0 }]);
    expect(first.resolved).toEqual([]);

    state.pause([{ topic: 't', partition: 1 }]);
    const second = payload(1, [5, 6]);
    const parked = feeder.eachBatch(second.payload);
    await tenTicksLater();
    expect(await settledNow(parked)).toBe(false);
    expect(second.beats.count).toBeGreaterThanOrEqual(2);
    expect(queue.size).toBe(0);
    state.resume([{ topic: 't', partition: 1 }]);
    signal.notify();
    await parked;
    expect(second.resolved).toEqual(['6']);
  });

  it('on a rebalance heard in a heartbeat, drops the queue and rethrows only after poll revoked', async () => {
    const { state, queue, signal, feeder, rebalances } = setup(100);
    queue.push({ topic: 't', partition: 1 }, [
      { topic: 't', partition: 1, offset: 0, key: null, value: null, headers: {}, timestampMs: 0 },
    ]);
    const rebalancing = Object.assign(new Error('The group is rebalancing'), {
      type: 'REBALANCE_IN_PROGRESS',
    });
    let thrown = 0;
    const { payload: p, beats } = payload(0, [0], async () => {
      if (thrown++ === 0) throw rebalancing;
    });
    let settled: unknown = 'pending';
    const running = feeder.eachBatch(p).catch((error: unknown) => (settled = error));
    await tenTicksLater();
    expect(settled).toBe('pending');
    // The first heartbeat said "rebalancing"; the later ones are the feeder waiting for poll.
    expect(beats.count).toBeGreaterThanOrEqual(3);
    expect(rebalances()).toBe(1);
    expect(queue.size).toBe(0);
    // What poll does: revoke everything owned, then let the feeder go.
    expect(state.startRevoke()).toHaveLength(2);
    state.finishRevoke();
    signal.notify();
    await running;
    expect(settled).toBe(rebalancing);
  });
});
