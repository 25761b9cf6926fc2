import { SluiceError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import { PollGuard } from '../../poll-guard.ts';
import type {
  ConsumerClient,
  InputRecord,
  RebalanceListener,
  TopicPartition,
  TopicPartitionOffset,
} from '../../types.ts';
import { partitionId } from '../../types.ts';
import { AssignedPartitions } from './assigned-partitions.ts';
import type { BrokerHealth } from './broker-health.ts';
import { confluentClosed, toSluiceError, unavailable } from './confluent-errors.ts';
import type { RdKafkaConsumer, RdMessage, RdTopicPartition, RebalanceCallback } from './rdkafka-api.ts';
import { RebalanceQueue } from './rebalance-queue.ts';
import { type RdRecordMapper, toInputRecord } from './record-mapping.ts';

/** Records held back for paused partitions before librdkafka's own fetcher is paused too. */
const STASH_LIMIT = 5000;

/** What the transport hands each consumer. */
export interface ConfluentConsumerDeps {
  /** Builds the librdkafka consumer with this `rebalance_cb` in its config. */
  createClient: (rebalanceCb: RebalanceCallback) => RdKafkaConsumer;
  listener: RebalanceListener;
  health: BrokerHealth;
  logger: Logger;
  /** Whether the configured assignor is cooperative (used until the group reports its protocol). */
  cooperative: boolean;
  /** Bound on broker round trips: connect, commit confirmation, close. */
  requestTimeoutMs: number;
  onClose: (consumer: ConfluentConsumer) => void;
  /** Maps each fetched message; tests pass one that fails. Default `toInputRecord`. */
  mapRecord?: RdRecordMapper | undefined;
}

/**
 * A consumer-group member on librdkafka, driven by the engine's `poll` loop. Rebalances are
 * applied only inside `poll` (see RebalanceQueue), records of paused, revoked or re-assigned
 * partitions never reach the engine, and `commit` resolves once the broker has stored the offsets.
 * `close()` leaves the group without calling `onRevoked`: the engine commits before closing.
 */
export class ConfluentConsumer implements ConsumerClient {
  readonly #client: RdKafkaConsumer;
  readonly #listener: RebalanceListener;
  readonly #health: BrokerHealth;
  readonly #logger: Logger;
  readonly #requestTimeoutMs: number;
  readonly #onClose: (consumer: ConfluentConsumer) => void;
  readonly #mapRecord: RdRecordMapper;
  readonly #assigned = new AssignedPartitions();
  readonly #rebalances: RebalanceQueue;
  #subscribed = false;
  readonly #poll: PollGuard;
  #closing = false;
  #closed = false;

  constructor(deps: ConfluentConsumerDeps) {
    this.#poll = new PollGuard('Kafka consumer');
    this.#listener = deps.listener;
    this.#health = deps.health;
    this.#logger = deps.logger;
    this.#requestTimeoutMs = deps.requestTimeoutMs;
    this.#onClose = deps.onClose;
    this.#mapRecord = deps.mapRecord ?? toInputRecord;
    this.#rebalances = new RebalanceQueue(this.#assigned, deps.logger, deps.cooperative);
    this.#client = deps.createClient(this.#rebalances.callback);
    this.#rebalances.attach(this.#client);
  }

  /** Connects to the cluster (the group is joined by the first `poll` after `subscribe`). */
  async connect(name: string): Promise<void> {
    this.#health.watch(this.#client, name);
    const connected = new Promise<void>((resolve, reject) => {
      this.#client.connect({ allTopics: false, timeout: this.#requestTimeoutMs }, (err) =>
        err ? reject(toSluiceError(err, `consumer ${name}: cannot connect to Kafka`)) : resolve(),
      );
    });
    await this.#health.raceAuth(connected).catch((error: unknown) => {
      this.#health.forget(this.#client);
      throw error;
    });
    // Wait up to maxWaitMs for the first record only, then take what is ready.
    this.#client.setDefaultIsTimeoutOnlyForFirstMessage?.(true);
  }

  async subscribe(topics: string[]): Promise<void> {
    if (this.#closing) throw confluentClosed('consumer.subscribe');
    try {
      this.#client.subscribe(topics);
    } catch (error) {
      throw toSluiceError(error, `consumer.subscribe(${topics.join(', ')})`);
    }
    this.#subscribed = true;
  }

  async poll(maxRecords: number, maxWaitMs: number): Promise<InputRecord[]> {
    if (this.#closing) throw confluentClosed('consumer.poll');
    if (!this.#subscribed) throw new Error('consumer: poll() before subscribe()');
    this.#poll.enter();
    try {
      await this.#rebalances.apply(this.#listener);
      const out: InputRecord[] = [];
      this.#assigned.takeStashed(out, maxRecords);
      const room = maxRecords - out.length;
      if (room <= 0 || this.#closing) return out;
      const before = this.#assigned.snapshot();
      const messages = await this.#consume(room, out.length > 0 ? 0 : Math.max(0, maxWaitMs));
      // Rebalances that arrived during the fetch apply now: records of partitions they took away are dropped.
      if (this.#rebalances.pending) await this.#rebalances.apply(this.#listener);
      if (messages.length > 0) {
        this.#health.markUp(this.#client);
        this.#assigned.accept(messages, before, out, this.#mapRecord);
        if (this.#assigned.stashed >= STASH_LIMIT) this.#stopFetching();
      }
      await this.#seekBack();
      return out;
    } finally {
      this.#poll.exit();
    }
  }

  /**
   * Holds the partitions' records back here first and stops librdkafka's fetcher only once
   * STASH_LIMIT records are held. librdkafka's resume does not wake the broker thread, so a
   * natively paused partition fetches again only up to a second later (confluent-kafka-go#630):
   * the engine's short backpressure pauses would cost most of the throughput. Memory stays bounded
   * by librdkafka's prefetch queue (queued.max.messages.kbytes) plus the stash limit.
   */
  pause(partitions: TopicPartition[]): void {
    this.#assigned.setPaused(partitions, true);
    if (this.#assigned.stashed >= STASH_LIMIT) this.#stopFetching();
  }

  resume(partitions: TopicPartition[]): void {
    const changed = this.#assigned.setPaused(partitions, false);
    const stopped = this.#assigned.takeFetchStopped(changed);
    if (stopped.length > 0) this.#call('resume', () => this.#client.resume(stopped));
  }

  /**
   * Re-reads each partition stopped at a message that failed to map from that message. A seek that
   * fails leaves the partition stopped (nothing of it is accepted) and is tried again next poll.
   */
  async #seekBack(): Promise<void> {
    const seeks = this.#assigned.pendingSeeks();
    if (seeks.length === 0) return;
    await Promise.all(
      seeks.map(
        (tp) =>
          new Promise<void>((resolve) => {
            const done = (err: unknown) => {
              if (err)
                this.#logger.warn(
                  { err, partition: partitionId(tp.topic, tp.partition), offset: tp.offset },
                  'Kafka seek back to an unmapped record failed; retrying',
                );
              else this.#assigned.sought(tp);
              resolve();
            };
            try {
              this.#client.seek(tp, this.#requestTimeoutMs, done);
            } catch (error) {
              done(error);
            }
          }),
      ),
    );
    this.#logger.warn({ seeks }, 'Kafka records could not be read; fetching them again');
  }

  #stopFetching(): void {
    const running = this.#assigned.takeFetchingPaused();
    if (running.length > 0) this.#call('pause', () => this.#client.pause(running));
  }

  /**
   * Commits exactly these offsets and resolves once the group coordinator has stored them. The
   * binding only offers an asynchronous commit (its callback fires on enqueue), so the offsets are
   * read back: OffsetCommit and OffsetFetch travel in order on the coordinator connection.
   */
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (this.#closed) throw confluentClosed('consumer.commit');
    if (offsets.length === 0) return;
    const list = offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
    const subject = list.map((o) => partitionId(o.topic, o.partition)).join(',');
    try {
      this.#client.commit(list);
    } catch (error) {
      throw toSluiceError(error, 'offset commit', subject);
    }
    const stored = await this.#committed(
      list.map(({ topic, partition }) => ({ topic, partition })),
      subject,
    );
    const byKey = new Map(stored.map((tp) => [partitionId(tp.topic, tp.partition), tp]));
    for (const wanted of list) {
      const key = partitionId(wanted.topic, wanted.partition);
      const got = byKey.get(key);
      if (got?.error) throw toSluiceError(got.error, `offset commit for ${key}`, key);
      // Higher is fine: a later owner committed past us.
      if (got === undefined || got.offset === undefined || got.offset < wanted.offset) {
        throw new SluiceError(
          'SLUICE_COMMIT_REJECTED',
          `offset commit for ${key} at ${wanted.offset} was not stored (the group coordinator has ${got?.offset ?? 'none'}); ` +
            'the partition may have moved to another member',
          { subject: key, retriable: true },
        );
      }
    }
  }

  /** The librdkafka consumer, for a transactional producer's sendOffsetsToTransaction (group metadata). */
  nativeClient(): RdKafkaConsumer {
    return this.#client;
  }

  assignment(): TopicPartition[] {
    return this.#assigned.list();
  }

  isAssigned(): boolean {
    return !this.#closing && this.#rebalances.settled;
  }

  /** Waits for a running poll (and its listener), then leaves the group and disconnects. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    await this.#poll.idle();
    this.#rebalances.applyImmediately();
    const timeoutMs = Math.max(10_000, this.#requestTimeoutMs);
    const disconnected = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
      try {
        this.#client.disconnect(() => {
          clearTimeout(timer);
          resolve(true);
        });
      } catch {
        clearTimeout(timer);
        resolve(true);
      }
    });
    if (!disconnected)
      this.#logger.warn({ timeoutMs }, 'Kafka consumer did not close in time; abandoning it');
    this.#closed = true;
    this.#assigned.clear();
    this.#health.forget(this.#client);
    this.#onClose(this);
  }

  #consume(count: number, waitMs: number): Promise<RdMessage[]> {
    return new Promise<RdMessage[]>((resolve, reject) => {
      try {
        this.#client.setDefaultConsumeTimeout(waitMs);
        this.#client.consume(count, (err, messages) => {
          if (err) reject(toSluiceError(err, 'consumer.poll'));
          else resolve(messages ?? []);
        });
      } catch (error) {
        reject(toSluiceError(error, 'consumer.poll'));
      }
    });
  }

  #committed(partitions: RdTopicPartition[], subject: string): Promise<RdTopicPartition[]> {
    return new Promise<RdTopicPartition[]>((resolve, reject) => {
      try {
        this.#client.committed(partitions, this.#requestTimeoutMs, (err, stored) => {
          if (err) reject(toSluiceError(err, 'offset commit: reading back the stored offsets', subject));
          else if (!Array.isArray(stored))
            reject(unavailable('offset commit: no stored offsets returned', subject));
          else resolve(stored);
        });
      } catch (error) {
        reject(toSluiceError(error, 'offset commit: reading back the stored offsets', subject));
      }
    });
  }

  #call(what: string, fn: () => unknown): void {
    try {
      fn();
    } catch (error) {
      // Only fails when the client is disconnected; the partitions are gone with it.
      this.#logger.debug({ err: error }, `Kafka consumer ${what} failed`);
    }
  }
}
