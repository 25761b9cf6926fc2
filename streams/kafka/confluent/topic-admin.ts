import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../../../core/logger.ts';
import type { TopicSpec } from '../../types.ts';
import { wantedTopics } from '../topic-changes.ts';
import type { BrokerHealth } from './broker-health.ts';
import { RdCode, rdCode, toSluiceError, unavailable } from './confluent-errors.ts';
import type { RdAdminClient, RdKafkaError, RdKafkaLibrary, RdTopicDescription } from './rdkafka-api.ts';
import type { RdKafkaProperties } from './rdkafka-config.ts';

const METADATA_POLL_MS = 100;
/** The longest any one admin request is left in flight (see #call). */
const ADMIN_SLICE_MS = 1000;

/** Settings of the admin side of the transport. */
export interface TopicAdminOptions {
  replicationFactor: number;
  /** Bound on each admin request and on waiting for a new topic's metadata. */
  timeoutMs: number;
  /** Sees the admin client's error events, and fails its calls at once on a refused login. */
  health: BrokerHealth;
}

type Done<T> = (err: RdKafkaError | null | undefined, value: T) => void;

/**
 * Topic creation and read-only inspection through librdkafka's AdminClient, created on first use.
 * Creation is idempotent: existing topics are kept (grown to the wanted partition count, never shrunk).
 */
export class TopicAdmin {
  readonly #lib: RdKafkaLibrary;
  readonly #props: RdKafkaProperties;
  readonly #logger: Logger;
  readonly #options: TopicAdminOptions;
  #client: RdAdminClient | undefined;

  constructor(lib: RdKafkaLibrary, props: RdKafkaProperties, logger: Logger, options: TopicAdminOptions) {
    this.#lib = lib;
    this.#props = props;
    this.#logger = logger;
    this.#options = options;
  }

  /** Creates missing topics, grows smaller ones, and waits until every partition has a leader. */
  async ensure(specs: readonly TopicSpec[]): Promise<void> {
    const wanted = wantedTopics(specs);
    await Promise.all([...wanted.values()].map((spec) => this.#ensureOne(spec)));
  }

  /** Log-end offset (the offset the next record gets) per partition. */
  async endOffsets(topic: string): Promise<number[]> {
    const [description] = await this.#describe(topic);
    const count = description?.partitions.length ?? 0;
    const partitions = Array.from({ length: count }, (_, partition) => ({
      topic,
      partition,
      offset: this.#lib.OffsetSpec.LATEST,
    }));
    // Right after a topic is created a partition's leader may briefly refuse ListOffsets
    // (NOT_LEADER_OR_FOLLOWER) although metadata already names it: retry within the timeout.
    const deadline = Date.now() + this.#options.timeoutMs;
    for (;;) {
      const result = await this.#call<Array<{ partition: number; offset: number; error?: RdKafkaError }>>(
        `listOffsets(${topic})`,
        (done, timeout) => this.#admin().listOffsets(partitions, { timeout }, done),
      );
      const failed = result.find((r) => r.error);
      if (!failed) {
        const out = new Array<number>(count).fill(0);
        for (const r of result) out[r.partition] = r.offset;
        return out;
      }
      if (Date.now() > deadline) {
        throw toSluiceError(failed.error, `listOffsets(${topic}[${failed.partition}])`, topic);
      }
      await sleep(METADATA_POLL_MS);
    }
  }

  /** The group's committed offset per partition of `topic`; null where it never committed. */
  async committedOffsets(groupId: string, topic: string, partitions: number): Promise<Array<number | null>> {
    const wanted = Array.from({ length: partitions }, (_, partition) => ({ topic, partition }));
    const [group] = await this.#call<
      Array<{ error?: RdKafkaError; partitions: Array<{ partition: number; offset?: number }> }>
    >(`listConsumerGroupOffsets(${groupId})`, (done, timeout) =>
      this.#admin().listConsumerGroupOffsets([{ groupId, partitions: wanted }], { timeout }, done),
    );
    if (group?.error) throw toSluiceError(group.error, `listConsumerGroupOffsets(${groupId})`);
    const out = new Array<number | null>(partitions).fill(null);
    for (const p of group?.partitions ?? [])
      if (p.offset !== undefined && p.offset >= 0) out[p.partition] = p.offset;
    return out;
  }

  close(): void {
    this.#client?.disconnect();
    this.#client = undefined;
  }

  async #ensureOne(spec: TopicSpec): Promise<void> {
    const { topic, partitions, configs } = spec;
    const [existing] = await this.#describe(topic);
    if (!existing) {
      await this.#call<void>(`createTopic(${topic})`, (done, timeoutMs) =>
        this.#admin().createTopic(
          {
            topic,
            num_partitions: partitions,
            replication_factor: this.#options.replicationFactor,
            ...(configs && Object.keys(configs).length > 0 ? { config: { ...configs } } : {}),
          },
          timeoutMs,
          (err) => done(rdCode(err) === RdCode.TOPIC_ALREADY_EXISTS ? null : err, undefined),
        ),
      );
      this.#logger.info({ topic, partitions }, 'Kafka topic created');
    } else if (existing.partitions.length < partitions) {
      await this.#call<void>(`createPartitions(${topic})`, (done, timeoutMs) =>
        this.#admin().createPartitions(topic, partitions, timeoutMs, (err) =>
          done(rdCode(err) === RdCode.INVALID_PARTITIONS ? null : err, undefined),
        ),
      );
      this.#logger.warn(
        { topic, from: existing.partitions.length, to: partitions },
        'Kafka topic grown: keys now map to different partitions',
      );
    }
    await this.#awaitLeaders(topic, partitions);
  }

  async #awaitLeaders(topic: string, partitions: number): Promise<void> {
    const deadline = Date.now() + this.#options.timeoutMs;
    for (;;) {
      const [d] = await this.#describe(topic);
      const ready =
        d !== undefined && d.partitions.length >= partitions && d.partitions.every((p) => p.leader);
      if (ready) return;
      if (Date.now() > deadline) {
        throw unavailable(
          `topic "${topic}": partitions did not all get a leader within ${this.#options.timeoutMs} ms`,
          topic,
        );
      }
      await sleep(METADATA_POLL_MS);
    }
  }

  /** The topic's description, or none when it does not exist. */
  async #describe(topic: string): Promise<RdTopicDescription[]> {
    try {
      const result = await this.#call<RdTopicDescription[]>(`describeTopics(${topic})`, (done, timeout) =>
        this.#admin().describeTopics([topic], { timeout }, done),
      );
      return result.filter((d) => !d.error);
    } catch (error) {
      if (rdCode((error as { cause?: unknown }).cause) === RdCode.UNKNOWN_TOPIC_OR_PART) return [];
      throw error;
    }
  }

  #admin(): RdAdminClient {
    this.#client ??= this.#lib.AdminClient.create(
      { ...this.#props },
      { 'event.error': (err) => this.#options.health.clientError('admin', err) },
    );
    return this.#client;
  }

  /**
   * One admin request, asked in slices of at most ADMIN_SLICE_MS until `timeoutMs` has passed.
   * librdkafka cannot cancel an admin request, and destroying the client waits for the ones in
   * flight (blocking the thread), so no single request may outlive a refused login or a shutdown
   * by more than a slice. A timed-out slice is asked again; a refused login ends it at once.
   */
  async #call<T>(what: string, start: (done: Done<T>, timeoutMs: number) => void): Promise<T> {
    const deadline = Date.now() + this.#options.timeoutMs;
    for (;;) {
      const slice = Math.max(1, Math.min(ADMIN_SLICE_MS, deadline - Date.now()));
      const attempt = new Promise<T>((resolve, reject) => {
        try {
          start((err, value) => (err ? reject(toSluiceError(err, what)) : resolve(value)), slice);
        } catch (error) {
          reject(toSluiceError(error, what));
        }
      });
      try {
        return await this.#options.health.raceAuth(attempt);
      } catch (error) {
        const timedOut = rdCode((error as { cause?: unknown }).cause) === RdCode.TIMED_OUT;
        if (!timedOut || Date.now() >= deadline) throw error;
      }
    }
  }
}
