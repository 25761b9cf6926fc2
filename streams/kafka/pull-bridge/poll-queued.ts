import type { InputRecord, RebalanceListener } from '../../types.ts';
import { announceRebalance } from './announce-rebalance.ts';
import type { BatchQueue } from './batch-queue.ts';
import type { MemberState } from './member-state.ts';
import type { Signal } from './signal.ts';

/** What one `poll` of a pull bridge works with; the consumer owns all of it. */
export interface QueuedPoll {
  state: MemberState;
  listener: RebalanceListener;
  queue: BatchQueue;
  /** Notified when records arrive or membership changes; `poll` waits on it. */
  arrived: Signal;
  /** Why the member is out of its group, thrown from `poll`; undefined while it is in. */
  failure: () => Error | undefined;
  closing: () => boolean;
  /** After records were taken: the writer side has room again. */
  taken: () => void;
}

/**
 * The body of a pull bridge's `poll` (kafkajs, @platformatic/kafka): announce membership changes
 * to the engine first, then hand out up to `maxRecords` queued records of readable partitions,
 * waiting up to `maxWaitMs` for some to arrive.
 */
export async function pollQueued(
  bridge: QueuedPoll,
  maxRecords: number,
  maxWaitMs: number,
): Promise<InputRecord[]> {
  const { state, listener, queue, arrived } = bridge;
  const deadline = Date.now() + Math.max(0, maxWaitMs);
  for (;;) {
    await announceRebalance(state, listener, () => arrived.notify());
    const failure = bridge.failure();
    if (failure) throw failure;
    if (bridge.closing()) return [];
    const records = queue.take(maxRecords, state.readable);
    if (records.length > 0) {
      bridge.taken();
      return records;
    }
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) return [];
    await arrived.wait(remainingMs);
  }
}
