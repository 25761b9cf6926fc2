import { setTimeout as sleep } from 'node:timers/promises';
import kafkajs, { type Admin, type Kafka } from 'kafkajs';

// Node's CommonJS interop does not expose this one as a named export of kafkajs.
const { ConfigResourceTypes } = kafkajs;

import { isRetriable } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import type { TopicSpec } from '../../types.ts';
import { planTopicChanges } from '../topic-changes.ts';
import { toSluiceError, unavailable } from './kafkajs-errors.ts';

const METADATA_RETRY_MS = 50;

const METADATA_POLL_MS = 100;

/** Settings of the admin side of the transport. */
export interface TopicAdminOptions {
  replicationFactor: number;
  /** Bound on each admin request and on waiting for a new topic's leaders. */
  timeoutMs: number;
}

/**
 * Topic creation and read-only inspection through kafkajs's admin client, connected on first use.
 * Creation is idempotent and plans with the shared `planTopicChanges`: existing topics are kept,
 * grown to the wanted partition count, never shrunk. Only topics that exist are asked about by
 * name, so a broker with auto-creation on never creates one as a side effect.
 */
export class TopicAdmin {
  readonly #admin: Admin;
  readonly #logger: Logger;
  readonly #options: TopicAdminOptions;
  #connected: Promise<void> | undefined;

  constructor(kafka: Kafka, logger: Logger, options: TopicAdminOptions) {
    this.#admin = kafka.admin();
    this.#logger = logger;
    this.#options = options;
  }

  /** Creates missing topics, grows smaller ones, and waits until every partition has a leader. */
  async ensure(specs: readonly TopicSpec[]): Promise<void> {
    const names = specs.map((s) => s.topic);
    const { create, grow } = planTopicChanges(specs, await this.#partitionCounts(names));
    const { timeoutMs, replicationFactor } = this.#options;
    if (create.length > 0) {
      await this.#call('createTopics', () =>
        this.#admin.createTopics({
          topics: create.map(({ topic, partitions, configs }) => ({
            topic,
            numPartitions: partitions,
            replicationFactor,
            configEntries: Object.entries(configs ?? {}).map(([name, value]) => ({ name, value })),
          })),
          timeout: timeoutMs,
          waitForLeaders: false,
        }),
      ).catch(async (error: unknown) => {
        // Another process may have created some of them meanwhile; only a topic still missing is a failure.
        const counts = await this.#partitionCounts(names);
        if (create.some((spec) => counts.get(spec.topic) === undefined)) throw error;
      });
      this.#logger.info({ topics: create }, 'Kafka topics created');
    }
    if (grow.length > 0) {
      await this.#call('createPartitions', () =>
        this.#admin.createPartitions({
          topicPartitions: grow.map(({ topic, partitions }) => ({ topic, count: partitions })),
          timeout: timeoutMs,
        }),
      ).catch(async (error: unknown) => {
        const counts = await this.#partitionCounts(names);
        if (grow.some((spec) => (counts.get(spec.topic) ?? 0) < spec.partitions)) throw error;
      });
      this.#logger.warn({ topics: grow }, 'Kafka topics grown: keys now map to different partitions');
    }
    await this.#awaitLeaders([...create, ...grow]);
  }

  /** Log-end offset (the offset the next record gets) per partition. */
  async endOffsets(topic: string): Promise<number[]> {
    // Right after a topic is created its leader may briefly answer NOT_LEADER_OR_FOLLOWER although
    // metadata already names it: retry retriable failures within the timeout.
    const deadline = Date.now() + this.#options.timeoutMs;
    let offsets: Awaited<ReturnType<Admin['fetchTopicOffsets']>>;
    for (;;) {
      try {
        offsets = await this.#call(`fetchTopicOffsets(${topic})`, () => this.#admin.fetchTopicOffsets(topic));
        break;
      } catch (error) {
        if (!isRetriable(error) || Date.now() > deadline) throw error;
        await sleep(METADATA_RETRY_MS);
      }
    }
    const out = new Array<number>(offsets.length).fill(0);
    for (const o of offsets) out[o.partition] = Number(o.high);
    return out;
  }

  /** The topic's configs as the broker reports them (overrides and defaults alike). */
  async describeConfigs(topic: string): Promise<Record<string, string>> {
    const { resources } = await this.#call(`describeConfigs(${topic})`, () =>
      this.#admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
        includeSynonyms: false,
      }),
    );
    const [resource] = resources;
    if (resource?.errorCode !== 0) {
      throw unavailable(
        `describeConfigs(${topic}): ${resource?.errorMessage ?? 'no answer for the topic'}`,
        topic,
      );
    }
    const out: Record<string, string> = Object.create(null);
    for (const entry of resource.configEntries) out[entry.configName] = entry.configValue;
    return out;
  }

  /** The group's committed offset per partition of `topic`; null where it never committed. */
  async committedOffsets(groupId: string, topic: string): Promise<Array<number | null>> {
    const [result] = await this.#call(`fetchOffsets(${groupId})`, () =>
      this.#admin.fetchOffsets({ groupId, topics: [topic] }),
    );
    const partitions = result?.partitions ?? [];
    const out = new Array<number | null>(partitions.length).fill(null);
    for (const p of partitions) {
      const offset = Number(p.offset);
      if (offset >= 0) out[p.partition] = offset;
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.#connected) await this.#admin.disconnect();
  }

  /** Partition count of each of `names` that exists. */
  async #partitionCounts(names: readonly string[]): Promise<Map<string, number>> {
    const all = new Set(await this.#call('listTopics', () => this.#admin.listTopics()));
    const existing = [...new Set(names)].filter((name) => all.has(name));
    if (existing.length === 0) return new Map();
    const { topics } = await this.#call('fetchTopicMetadata', () =>
      this.#admin.fetchTopicMetadata({ topics: existing }),
    );
    return new Map(topics.map((t) => [t.name, t.partitions.length]));
  }

  async #awaitLeaders(specs: readonly TopicSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const topics = specs.map((s) => s.topic);
    const deadline = Date.now() + this.#options.timeoutMs;
    for (;;) {
      const ready = await this.#call('fetchTopicMetadata', () => this.#admin.fetchTopicMetadata({ topics }))
        .then(({ topics: found }) =>
          specs.every((spec) => {
            const t = found.find((f) => f.name === spec.topic);
            return (
              t !== undefined &&
              t.partitions.length >= spec.partitions &&
              t.partitions.every((p) => p.leader >= 0)
            );
          }),
        )
        // Right after creation the broker may not know the topic yet: keep asking until the deadline.
        .catch(() => false);
      if (ready) return;
      if (Date.now() > deadline) {
        throw unavailable(
          `topics ${topics.join(', ')}: partitions did not all get a leader within ${this.#options.timeoutMs} ms`,
          topics.join(','),
        );
      }
      await sleep(METADATA_POLL_MS);
    }
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      this.#connected ??= this.#admin.connect().catch((error: unknown) => {
        this.#connected = undefined;
        throw error;
      });
      await this.#connected;
      return await fn();
    } catch (error) {
      throw toSluiceError(error, `admin ${what}`);
    }
  }
}
