import type { EachBatchPayload } from 'kafkajs';
import { errorMessage } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import type { InputRecord, TopicPartition } from '../../types.ts';
import { partitionId } from '../../types.ts';
import type { BatchQueue } from '../pull-bridge/batch-queue.ts';
import type { MemberState, OwnedPartition } from '../pull-bridge/member-state.ts';
import type { Signal } from '../pull-bridge/signal.ts';
import { isRebalanceError } from './kafkajs-errors.ts';
import { type KafkajsRecordMapper, toInputRecord, unreadableRecord } from './record-conversion.ts';

/**
 * How often one message is fetched and mapped before it is handed over as unreadable (and so
 * dead-lettered): a failure that was transient gets two more fetches, a malformed message cannot
 * hold its partition.
 */
export const MAP_ATTEMPTS = 3;

/** What the feeder needs from the consumer bridge around it. */
export interface BatchFeederDeps {
  state: MemberState;
  queue: BatchQueue;
  signal: Signal;
  /** Pauses one partition inside kafkajs, so its fetches skip it until the engine resumes it. */
  kafkaPause: (partition: TopicPartition) => void;
  /** A heartbeat said the group is rebalancing: stop queueing and drop what is queued. */
  rebalanceDetected: () => void;
  closing: () => boolean;
  /** How long a detected rebalance waits for `poll` to run `onRevoked` before kafkajs rejoins anyway. */
  revokeWaitMs: number;
  /** How often a waiting eachBatch re-checks its conditions and heartbeats (kafkajs sends at most one per heartbeatInterval). */
  tickMs: number;
  logger: Logger;
  /** Maps each fetched message; tests pass one that fails. Default `toInputRecord`. */
  mapRecord?: KafkajsRecordMapper | undefined;
}

type Verdict = 'go' | 'wait' | 'stop';

/**
 * The push side of the bridge: kafkajs's `eachBatch` (with `eachBatchAutoResolve: false`). It moves
 * a batch into the bounded queue chunk by chunk, resolving (advancing kafkajs's fetch position) only
 * past what it queued, and waits while the queue is full, so memory stays bounded. It returns
 * early, leaving the rest of the batch to be fetched again, when the partition is paused, the
 * consumer stops, or a rebalance starts.
 *
 * Rebalances: kafkajs learns of one only from a heartbeat, and rejoins as soon as it does, except
 * inside eachBatch, which it waits for. So the feeder heartbeats while it waits and after each
 * batch; when the heartbeat says the group is rebalancing, it stops queueing, lets the next `poll`
 * run the engine's `onRevoked` (whose commits the coordinator still accepts under the old
 * generation) and only then rethrows, so kafkajs rejoins after the revoke and no other member can
 * fetch those partitions before it.
 *
 * When the engine has paused every partition (backpressure), the feeder holds ("parks") the batch
 * it gets instead of pausing kafkajs, so the member keeps heartbeating from inside eachBatch and a
 * rebalance during backpressure still revokes before rejoining. A partition paused while others
 * run is paused inside kafkajs, so the others keep flowing.
 */
export class BatchFeeder {
  readonly #deps: BatchFeederDeps;
  readonly #map: KafkajsRecordMapper;
  /** Per partition, the offset whose mapping failed last and how often in a row. */
  readonly #mapFailures = new Map<string, { offset: string; attempts: number }>();

  constructor(deps: BatchFeederDeps) {
    this.#deps = deps;
    this.#map = deps.mapRecord ?? toInputRecord;
  }

  readonly eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { state, queue, signal } = this.#deps;
    const { batch } = payload;
    const tp: TopicPartition = { topic: batch.topic, partition: batch.partition };
    const messages = batch.messages;
    const generation = state.generation;
    let next = 0;
    while (next < messages.length) {
      const verdict = this.#admit(payload, tp, generation);
      if (verdict === 'stop') return;
      if (verdict === 'wait') {
        await signal.wait(this.#deps.tickMs);
        await this.#heartbeat(payload);
        continue;
      }
      const count = Math.min(queue.room(), messages.length - next);
      const records = this.#mapChunk(tp, messages, next, count);
      if (records.length > 0) {
        queue.push(tp, records);
        next += records.length;
        payload.resolveOffset(messages[next - 1]!.offset);
        signal.notify();
      }
      // A message failed to map: return without resolving it, so kafkajs fetches the partition
      // again from there and nothing after it is queued first.
      if (records.length < count) return;
    }
    await this.#heartbeat(payload);
  };

  /**
   * Maps `count` messages from `start`, stopping before the first that fails (unless it failed
   * MAP_ATTEMPTS times in a row: then it goes on as an unreadable record, to be dead-lettered).
   */
  #mapChunk(
    tp: TopicPartition,
    messages: EachBatchPayload['batch']['messages'],
    start: number,
    count: number,
  ): InputRecord[] {
    const records: InputRecord[] = [];
    for (let i = 0; i < count; i++) {
      const message = messages[start + i]!;
      try {
        records.push(this.#map(tp.topic, tp.partition, message));
      } catch (error) {
        const key = partitionId(tp.topic, tp.partition);
        const last = this.#mapFailures.get(key);
        const attempts = last?.offset === message.offset ? last.attempts + 1 : 1;
        if (attempts < MAP_ATTEMPTS) {
          this.#mapFailures.set(key, { offset: message.offset, attempts });
          this.#deps.logger.warn(
            { err: error, partition: key, offset: message.offset, attempts },
            'Kafka record could not be read; fetching it again',
          );
          return records;
        }
        this.#mapFailures.delete(key);
        records.push(
          unreadableRecord(
            tp.topic,
            tp.partition,
            message,
            `the ${attempts} attempts to read it failed: ${errorMessage(error)}`,
          ),
        );
      }
    }
    return records;
  }

  /** Whether the next chunk of the batch may be queued now (checked synchronously right before the push). */
  #admit(payload: EachBatchPayload, tp: TopicPartition, generation: number): Verdict {
    const { state, queue } = this.#deps;
    if (this.#deps.closing() || !payload.isRunning()) return 'stop';
    if (!state.accepting || state.generation !== generation || payload.isStale()) return 'stop';
    const owned = this.#announced(tp);
    if (owned === null) return 'stop';
    if (owned?.paused) {
      if (state.allPaused()) return 'wait';
      this.#deps.kafkaPause(tp);
      return 'stop';
    }
    return queue.room() > 0 ? 'go' : 'wait';
  }

  /**
   * The partition as the engine knows it: its entry once `onAssigned` announced the current
   * assignment, undefined while that announcement is pending (its records may queue ahead), and
   * null for a partition outside the assignment (never queued: poll could not hand it out).
   */
  #announced(tp: TopicPartition): OwnedPartition | undefined | null {
    const { state } = this.#deps;
    if (state.pending !== null) return undefined;
    return state.find(tp.topic, tp.partition) ?? null;
  }

  async #heartbeat(payload: EachBatchPayload): Promise<void> {
    try {
      await payload.heartbeat();
    } catch (error) {
      if (isRebalanceError(error)) await this.#revokeBeforeRejoin(payload);
      throw error;
    }
  }

  /** Hands the revoke to the next `poll` and waits for it (bounded), heartbeating meanwhile. */
  async #revokeBeforeRejoin(payload: EachBatchPayload): Promise<void> {
    const { state, signal, logger } = this.#deps;
    this.#deps.rebalanceDetected();
    const deadline = Date.now() + this.#deps.revokeWaitMs;
    while ((state.revokeNeeded || state.revoking) && !this.#deps.closing() && payload.isRunning()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) {
        logger.warn(
          { waitedMs: this.#deps.revokeWaitMs },
          'rebalance: poll() did not revoke in time; rejoining before the revoke (records in flight may be read twice)',
        );
        return;
      }
      await signal.wait(Math.min(remaining, this.#deps.tickMs));
      // Keeps the session alive while the engine drains; the answer is "rebalancing" either way.
      await payload.heartbeat().catch(() => undefined);
    }
  }
}
