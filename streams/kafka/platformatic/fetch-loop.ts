import { setTimeout as sleep } from 'node:timers/promises';
import { type Consumer, type fetchV17, protocolErrorsCodesById } from '@platformatic/kafka';
import { errorMessage } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import type { InputRecord } from '../../types.ts';
import type { ConnectionHealth } from '../connection-health.ts';
import type { BatchQueue } from '../pull-bridge/batch-queue.ts';
import type { MemberState } from '../pull-bridge/member-state.ts';
import type { Signal } from '../pull-bridge/signal.ts';
import { AbortedTransactions } from './aborted-transactions.ts';
import type { FetchPosition, FetchPositions } from './fetch-positions.ts';
import { type FetchResponse, sendFetch } from './fetch-request.ts';
import type { FetchedBatch } from './fetched-batches.ts';
import { hasStaleMetadata, isRebalanceError } from './platformatic-errors.ts';
import {
  type FetchedRecord,
  type PlatformaticRecordMapper,
  toInputRecord,
  unreadableRecord,
} from './record-mapping.ts';
import { takeFromBatches } from './take-from-batches.ts';

type FetchRequestTopic = fetchV17.FetchRequestTopic;

const IDLE_WAIT_MS = 100;
const OFFSET_OUT_OF_RANGE = 1;
/**
 * How often one record is fetched and mapped before it is handed over as unreadable (and so
 * dead-lettered): a transient failure gets two more fetches, a malformed record cannot hold its
 * partition.
 */
export const MAP_ATTEMPTS = 3;
const MIN_FETCH_BYTES = 16 * 1024;
const INITIAL_BYTES_PER_RECORD = 256;
const FAILURE_BACKOFF_MS = 500;
/** How long a partition that reached a batch this process cannot decompress waits before trying again. */
const BLOCKED_RETRY_MS = 10_000;

interface FailedPartition {
  position: FetchPosition;
  errorCode: number;
}

/** What the fetch loop works with; the consumer owns all of it. */
export interface FetchLoopDeps {
  consumer: Consumer;
  topics: () => readonly string[];
  state: MemberState;
  positions: FetchPositions;
  queue: BatchQueue;
  /** Wakes `poll` when records arrive. */
  recordsArrived: Signal;
  /** Wakes the loop: a position was set, a partition resumed, `poll` made room. */
  wake: Signal;
  health: ConnectionHealth;
  name: string;
  logger: Logger;
  closing: () => boolean;
  /** Positions of partitions whose offset is out of range, reset by the group's `auto.offset.reset` policy. */
  resetOutOfRange: (generation: number, positions: readonly FetchPosition[]) => Promise<void>;
  maxWaitMs: number;
  maxBytes: number;
  partitionMaxBytes: number;
  isolationLevel: number;
  /** Maps each fetched record; tests pass one that fails. Default `toInputRecord`. */
  mapRecord?: PlatformaticRecordMapper | undefined;
}

/**
 * Fetches for the partitions this member owns, is not paused on and has a position for, one
 * request per partition leader, and moves what comes back into the bounded queue `poll` drains.
 * It never holds more than the queue's room: a batch that does not fit is fetched again later from
 * the first record left out. An answer that arrives after a rebalance (a newer generation) is
 * dropped. A failed fetch is retried after a pause; an offset out of range is reset by policy.
 */
export class FetchLoop {
  readonly #deps: FetchLoopDeps;
  readonly #map: PlatformaticRecordMapper;
  readonly #mapFailures = new Map<string, { offset: number; attempts: number }>();
  /** Partitions held at a batch this process cannot decompress, until when (Date.now ms). */
  readonly #blocked = new Map<string, number>();
  #running: Promise<void> | undefined;
  /** Bytes on the wire per fetched record (EWMA), to size fetches to the queue's room. */
  #bytesPerRecord = INITIAL_BYTES_PER_RECORD;

  constructor(deps: FetchLoopDeps) {
    this.#deps = deps;
    this.#map = deps.mapRecord ?? toInputRecord;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** Resolves once the loop saw `closing()` (within one fetch's wait). */
  stopped(): Promise<void> {
    this.#deps.wake.notify();
    return this.#running ?? Promise.resolve();
  }

  async #run(): Promise<void> {
    const { wake, closing } = this.#deps;
    while (!closing()) {
      const targets = this.#targets();
      if (targets.length === 0) {
        await wake.wait(IDLE_WAIT_MS);
        continue;
      }
      try {
        await this.#fetchOnce(targets);
      } catch (error) {
        await this.#failed(error);
      }
    }
  }

  /** Owned, unpaused partitions with a position, while the queue has room and no rebalance is under way. */
  #targets(): FetchPosition[] {
    const { state, positions, queue } = this.#deps;
    // Half the queue free at least: a fetch that mostly would not fit is parsed for nothing.
    if (
      !state.accepting ||
      queue.room() < Math.ceil(queue.limit / 2) ||
      positions.generation !== state.generation
    )
      return [];
    const out: FetchPosition[] = [];
    const now = Date.now();
    for (const p of positions.all()) {
      const owned = state.find(p.topic, p.partition);
      if (!owned || owned.paused) continue;
      const blockedUntil = this.#blocked.get(`${p.topic}[${p.partition}]`);
      if (blockedUntil === undefined || blockedUntil <= now) out.push(p);
    }
    return out;
  }

  async #fetchOnce(targets: FetchPosition[]): Promise<void> {
    const d = this.#deps;
    const generation = d.positions.generation;
    // Ask for about what the queue has room for: the client parses every record it receives.
    const budget = Math.ceil(d.queue.room() * this.#bytesPerRecord);
    const maxBytes = Math.min(d.maxBytes, Math.max(MIN_FETCH_BYTES, budget));
    const partitionMaxBytes = Math.min(
      d.partitionMaxBytes,
      Math.max(MIN_FETCH_BYTES, Math.ceil(maxBytes / targets.length)),
    );
    const metadata = await d.consumer.metadata({ topics: [...d.topics()] });
    const topicNames = new Map<string, string>();
    const byLeader = new Map<number, Map<string, FetchRequestTopic>>();
    for (const p of targets) {
      const topic = metadata.topics.get(p.topic);
      const leader = topic?.partitions[p.partition]?.leader;
      if (topic === undefined || leader === undefined || leader < 0) continue;
      topicNames.set(topic.id, p.topic);
      let requests = byLeader.get(leader);
      if (!requests) {
        requests = new Map();
        byLeader.set(leader, requests);
      }
      let request = requests.get(topic.id);
      if (!request) {
        request = { topicId: topic.id, partitions: [] };
        requests.set(topic.id, request);
      }
      request.partitions.push({
        partition: p.partition,
        fetchOffset: BigInt(p.offset),
        partitionMaxBytes,
        currentLeaderEpoch: -1,
        lastFetchedEpoch: -1,
      });
    }
    if (byLeader.size === 0) {
      await sleep(IDLE_WAIT_MS);
      return;
    }
    await Promise.all(
      [...byLeader].map(async ([node, requests]) => {
        const broker = metadata.brokers.get(node);
        if (!broker) throw new Error(`kafka fetch: no broker with node id ${node} in the metadata`);
        const response = await sendFetch(d.consumer, broker, {
          maxWaitMs: d.maxWaitMs,
          maxBytes,
          isolationLevel: d.isolationLevel,
          topics: [...requests.values()],
        });
        d.health.markUp(d.name);
        const failed = this.#deliver(generation, topicNames, response);
        if (failed.length > 0) await this.#partitionsFailed(generation, failed);
      }),
    );
  }

  /**
   * Partitions the broker answered with an error while the rest of the answer was delivered: an
   * offset out of range is reset by policy for that partition alone; anything else (a leader moved,
   * a topic deleted) refreshes the metadata and is fetched again after a pause.
   */
  async #partitionsFailed(generation: number, failed: readonly FailedPartition[]): Promise<void> {
    const d = this.#deps;
    const outOfRange = failed.filter((f) => f.errorCode === OFFSET_OUT_OF_RANGE).map((f) => f.position);
    if (outOfRange.length > 0) await d.resetOutOfRange(generation, outOfRange);
    const other = failed.filter((f) => f.errorCode !== OFFSET_OUT_OF_RANGE);
    if (other.length === 0) return;
    d.consumer.clearMetadata();
    d.logger.warn(
      {
        partitions: other.map((f) => ({
          partition: `${f.position.topic}[${f.position.partition}]`,
          error: protocolErrorsCodesById[f.errorCode] ?? f.errorCode,
        })),
      },
      'kafka fetch failed for some partitions; fetching them again',
    );
    await sleep(FAILURE_BACKOFF_MS);
  }

  /**
   * Moves fetched records into the queue, as far as it has room, and advances the positions.
   * Returns the partitions the broker answered with an error.
   */
  #deliver(
    generation: number,
    topicNames: ReadonlyMap<string, string>,
    response: FetchResponse,
  ): FailedPartition[] {
    const d = this.#deps;
    const { state, positions, queue, recordsArrived } = d;
    const failed: FailedPartition[] = [];
    if (generation !== state.generation || generation !== positions.generation) return failed;
    let arrived = false;
    for (const topicResponse of response.responses) {
      const topic = topicNames.get(topicResponse.topicId);
      if (topic === undefined) continue;
      for (const answer of topicResponse.partitions) {
        const { partitionIndex: partition, records: batches, abortedTransactions, errorCode } = answer;
        const position = positions.get(topic, partition);
        if (!position) continue;
        if (errorCode !== 0) {
          failed.push({ position, errorCode });
          continue;
        }
        if (!batches || batches.length === 0) continue;
        this.#observeSize(batches);
        const { records, next, blocked } = takeFromBatches(
          batches,
          position.offset,
          queue.room(),
          (batch, record) => this.#mapOne(topic, partition, batch, record),
          (batch, offset, reason, bytes) =>
            this.#unreadableRest(topic, partition, batch, offset, reason, bytes),
          // Listed only for read_committed fetches, and only where the range holds aborted ones.
          abortedTransactions?.length ? new AbortedTransactions(abortedTransactions) : undefined,
        );
        if (records.length > 0) {
          queue.push(position, records);
          arrived = true;
        }
        positions.advance(generation, topic, partition, next);
        if (blocked !== undefined) this.#block(topic, partition, next, blocked);
      }
    }
    if (arrived) recordsArrived.notify();
    return failed;
  }

  #observeSize(batches: ReadonlyArray<{ length: number; lastOffsetDelta: number }>): void {
    let bytes = 0;
    let records = 0;
    for (const batch of batches) {
      bytes += batch.length;
      records += batch.lastOffsetDelta + 1;
    }
    if (records > 0) this.#bytesPerRecord = 0.8 * this.#bytesPerRecord + (0.2 * bytes) / records;
  }

  /**
   * The engine's record, or undefined when it failed to map and should be fetched again (fewer
   * than MAP_ATTEMPTS failures in a row); after that it goes on as an unreadable record.
   */
  #mapOne(
    topic: string,
    partition: number,
    batch: FetchedBatch,
    record: FetchedRecord,
  ): InputRecord | undefined {
    try {
      return this.#map(topic, partition, batch, record);
    } catch (error) {
      const key = `${topic}[${partition}]`;
      const offset = record.offset;
      const last = this.#mapFailures.get(key);
      const attempts = last?.offset === offset ? last.attempts + 1 : 1;
      if (attempts < MAP_ATTEMPTS) {
        this.#mapFailures.set(key, { offset, attempts });
        this.#deps.logger.warn(
          { err: error, partition: key, offset, attempts },
          'Kafka record could not be read; fetching it again',
        );
        return undefined;
      }
      this.#mapFailures.delete(key);
      const reason = `the ${attempts} attempts to read it failed: ${errorMessage(error)}`;
      return unreadableRecord(topic, partition, batch, offset, reason, record);
    }
  }

  /** Bytes the broker sent that cannot be read as records: one dead letter stands for them. */
  #unreadableRest(
    topic: string,
    partition: number,
    batch: FetchedBatch,
    offset: number,
    reason: string,
    bytes: Buffer | null,
  ): InputRecord {
    this.#deps.logger.warn(
      { partition: `${topic}[${partition}]`, offset, reason },
      'Kafka record batch cannot be read; passing it on as a dead letter and moving past it',
    );
    return unreadableRecord(topic, partition, batch, offset, reason, undefined, bytes);
  }

  /**
   * A partition reached a batch this process cannot decompress (nothing is wrong with the batch):
   * it stays there, so nothing is lost, and is tried again every BLOCKED_RETRY_MS while the other
   * partitions go on.
   */
  #block(topic: string, partition: number, offset: number, reason: string): void {
    this.#blocked.set(`${topic}[${partition}]`, Date.now() + BLOCKED_RETRY_MS);
    this.#deps.logger.error(
      { partition: `${topic}[${partition}]`, offset, retryInMs: BLOCKED_RETRY_MS, reason },
      'Kafka partition cannot go on past this offset in this process',
    );
  }

  async #failed(error: unknown): Promise<void> {
    const d = this.#deps;
    if (d.closing() || isRebalanceError(error)) return;
    if (hasStaleMetadata(error)) d.consumer.clearMetadata();
    d.health.markDown(d.name, 'fetch failed', error);
    d.logger.warn({ err: error }, 'kafka fetch failed; retrying');
    await sleep(FAILURE_BACKOFF_MS);
  }
}
