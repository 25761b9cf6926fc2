import { errorMessage } from '../../../core/errors.ts';
import type { InputRecord, TopicPartition, TopicPartitionOffset } from '../../types.ts';
import { partitionId } from '../../types.ts';
import type { RdMessage } from './rdkafka-api.ts';
import { type RdRecordMapper, unreadableRecord } from './record-mapping.ts';

/**
 * How often one message is fetched and mapped before it is handed over as unreadable (and so
 * dead-lettered): a failure that was transient gets two more fetches, a malformed message cannot
 * hold its partition.
 */
export const MAP_ATTEMPTS = 3;

/** One partition of the current assignment. A new object per assignment: identity marks the generation. */
interface Assigned {
  readonly topic: string;
  readonly partition: number;
  paused: boolean;
  /** Also paused in librdkafka (its fetcher stopped), not only held back here. */
  fetchStopped: boolean;
  /** Next offset expected; records below it are duplicates. -1 until the first record. */
  position: number;
  /**
   * Records librdkafka handed over while the partition was paused (a fetch in flight when pause was
   * called), or behind such records. Its position has moved past them, so they are kept and returned
   * first after resume rather than dropped.
   */
  stash: InputRecord[];
  /**
   * A message of this partition failed to map: its offset, until the partition was sought back to
   * it. Meanwhile nothing of the partition is accepted, so no later record overtakes it. -1: none.
   */
  seekTo: number;
  /** The offset whose mapping failed last, and how often in a row. */
  failedOffset: number;
  failedAttempts: number;
}

/** A snapshot of the assignment taken before a fetch; records are accepted only against it. */
export type AssignmentSnapshot = ReadonlyMap<string, Assigned>;

/**
 * The consumer's own view of its assignment, pause state and held-back records. It decides which
 * fetched records the engine may see: never one from a paused, revoked or re-assigned partition.
 */
export class AssignedPartitions {
  readonly #byKey = new Map<string, Assigned>();
  #stashed = 0;

  list(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const a of this.#byKey.values()) out.push({ topic: a.topic, partition: a.partition });
    return out;
  }

  has(tp: TopicPartition): boolean {
    return this.#byKey.has(partitionId(tp.topic, tp.partition));
  }

  /** Adds the partitions not held yet (unpaused) and returns them. */
  add(partitions: readonly TopicPartition[]): TopicPartition[] {
    const gained: TopicPartition[] = [];
    for (const { topic, partition } of partitions) {
      const key = partitionId(topic, partition);
      if (this.#byKey.has(key)) continue;
      this.#byKey.set(key, {
        topic,
        partition,
        paused: false,
        fetchStopped: false,
        position: -1,
        stash: [],
        seekTo: -1,
        failedOffset: -1,
        failedAttempts: 0,
      });
      gained.push({ topic, partition });
    }
    return gained;
  }

  /** Drops the given partitions (and their held-back records); returns those that were held. */
  remove(partitions: readonly TopicPartition[]): TopicPartition[] {
    const removed: TopicPartition[] = [];
    for (const { topic, partition } of partitions) {
      const key = partitionId(topic, partition);
      const a = this.#byKey.get(key);
      if (!a) continue;
      this.#stashed -= a.stash.length;
      this.#byKey.delete(key);
      removed.push({ topic, partition });
    }
    return removed;
  }

  clear(): void {
    this.#byKey.clear();
    this.#stashed = 0;
  }

  /** Sets the pause flag; returns the held partitions whose flag changed. */
  setPaused(partitions: readonly TopicPartition[], paused: boolean): TopicPartition[] {
    const changed: TopicPartition[] = [];
    for (const { topic, partition } of partitions) {
      const a = this.#byKey.get(partitionId(topic, partition));
      if (!a || a.paused === paused) continue;
      a.paused = paused;
      changed.push({ topic, partition });
    }
    return changed;
  }

  /** Records held back for paused partitions. */
  get stashed(): number {
    return this.#stashed;
  }

  /** Paused partitions whose fetcher still runs; marks them stopped. */
  takeFetchingPaused(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const a of this.#byKey.values()) {
      if (!a.paused || a.fetchStopped) continue;
      a.fetchStopped = true;
      out.push({ topic: a.topic, partition: a.partition });
    }
    return out;
  }

  /** Of these partitions, those whose fetcher was stopped; marks them running again. */
  takeFetchStopped(partitions: readonly TopicPartition[]): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const { topic, partition } of partitions) {
      const a = this.#byKey.get(partitionId(topic, partition));
      if (!a?.fetchStopped) continue;
      a.fetchStopped = false;
      out.push({ topic, partition });
    }
    return out;
  }

  snapshot(): AssignmentSnapshot {
    return new Map(this.#byKey);
  }

  /** Moves held-back records of unpaused partitions into `out`, at most `max` in all, in offset order. */
  takeStashed(out: InputRecord[], max: number): void {
    if (this.#stashed === 0) return;
    for (const a of this.#byKey.values()) {
      if (out.length >= max) return;
      if (a.paused || a.stash.length === 0) continue;
      const taken = a.stash.splice(0, max - out.length);
      this.#stashed -= taken.length;
      for (const record of taken) out.push(record);
    }
  }

  /**
   * Sorts fetched messages: into `out` when their partition is held by the same assignment as at
   * `before` and unpaused; into the partition's stash when paused; dropped when revoked meanwhile
   * (the next owner reads them from the committed offset) or already seen. A message that fails to
   * map stops its partition there: nothing after it is accepted until `seekBack` re-reads the
   * partition from it, and after MAP_ATTEMPTS failures it is handed over as unreadable. So the
   * engine sees every offset, in order, and can never commit past one it did not get. Returns how
   * many were dropped.
   */
  accept(
    messages: readonly RdMessage[],
    before: AssignmentSnapshot,
    out: InputRecord[],
    map: RdRecordMapper,
  ): number {
    let dropped = 0;
    let lastTopic = '';
    let lastPartition = -1;
    let a: Assigned | undefined;
    for (const message of messages) {
      if (message.partition !== lastPartition || message.topic !== lastTopic) {
        lastTopic = message.topic;
        lastPartition = message.partition;
        const key = partitionId(lastTopic, lastPartition);
        a = this.#byKey.get(key);
        if (a !== undefined && before.get(key) !== a) a = undefined;
      }
      if (a === undefined || a.seekTo >= 0 || message.offset < a.position) {
        dropped++;
        continue;
      }
      let record: InputRecord;
      try {
        record = map(message);
      } catch (error) {
        a.failedAttempts = a.failedOffset === message.offset ? a.failedAttempts + 1 : 1;
        a.failedOffset = message.offset;
        if (a.failedAttempts < MAP_ATTEMPTS) {
          a.seekTo = message.offset;
          dropped++;
          continue;
        }
        record = unreadableRecord(
          message,
          `the ${a.failedAttempts} attempts to read it failed: ${errorMessage(error)}`,
        );
      }
      a.position = message.offset + 1;
      if (a.paused || a.stash.length > 0) {
        a.stash.push(record);
        this.#stashed++;
      } else out.push(record);
    }
    return dropped;
  }

  /** Partitions stopped at a message that failed to map, with the offset to re-read them from. */
  pendingSeeks(): TopicPartitionOffset[] {
    const out: TopicPartitionOffset[] = [];
    for (const a of this.#byKey.values())
      if (a.seekTo >= 0) out.push({ topic: a.topic, partition: a.partition, offset: a.seekTo });
    return out;
  }

  /** The partition was sought back to `offset`: its records are accepted again from there. */
  sought(tp: TopicPartitionOffset): void {
    const a = this.#byKey.get(partitionId(tp.topic, tp.partition));
    if (a && a.seekTo === tp.offset) a.seekTo = -1;
  }
}
