import { setTimeout as sleep } from 'node:timers/promises';
import { Admin, type BaseOptions, Consumer } from '@platformatic/kafka';
import { SluiceError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import type { TopicSpec } from '../../types.ts';
import { planTopicChanges } from '../topic-changes.ts';
import { hasApiError, toSluiceError } from './platformatic-errors.ts';

// ConfigResourceTypes.TOPIC in the Kafka protocol.
const TOPIC_RESOURCE = 2;
const RETRY_MS = 50;
// A created topic usually has its leaders within tens of ms; a long poll would add itself to startup.
const METADATA_POLL_MS = 20;

/**
 * The broker does not know `topic`. The client reports that as a UserError naming the topic, after
 * the broker's UNKNOWN_TOPIC_OR_PARTITION.
 */
function isUnknownTopic(error: unknown, topic: string): boolean {
  return (
    hasApiError(error, 'UNKNOWN_TOPIC_OR_PARTITION') ||
    (error instanceof Error && error.message === `Unknown topic ${topic}.`)
  );
}

/** Settings of the admin side of the transport. */
export interface TopicAdminOptions {
  replicationFactor: number;
  /** Bound on each admin request and on waiting for a new topic's leaders. */
  timeoutMs: number;
}

/**
 * Topic creation and read-only inspection through @platformatic/kafka's admin client (and, for
 * ListOffsets, which its admin lacks, a consumer that never joins a group). Creation is idempotent
 * and plans with the shared `planTopicChanges`: existing topics are kept, grown, never shrunk.
 */
export class TopicAdmin {
  readonly #admin: Admin;
  readonly #offsets: Consumer;
  readonly #logger: Logger;
  readonly #options: TopicAdminOptions;

  constructor(base: BaseOptions, logger: Logger, options: TopicAdminOptions) {
    this.#admin = new Admin(base);
    this.#offsets = new Consumer({
      ...base,
      clientId: `${base.clientId}-offsets`,
      groupId: `${base.clientId}-offsets`,
    });
    this.#logger = logger;
    this.#options = options;
  }

  /** Creates missing topics, grows smaller ones, and waits until every partition has a leader. */
  async ensure(specs: readonly TopicSpec[]): Promise<void> {
    const names = specs.map((s) => s.topic);
    const { create, grow } = planTopicChanges(specs, await this.#partitionCounts(names));
    const { replicationFactor } = this.#options;
    if (create.length > 0) {
      // One request per topic: the client's createTopics applies one partition count to all of its
      // topics. Another process (a second replica starting) may create one meanwhile: that is no
      // failure, and is judged per topic, since the others' requests may still be in flight.
      await Promise.all(
        create.map(({ topic, partitions, configs }) =>
          this.#call(`createTopics(${topic})`, () =>
            this.#admin.createTopics({
              topics: [topic],
              partitions,
              replicas: replicationFactor,
              configs: Object.entries(configs ?? {}).map(([name, value]) => ({ name, value })),
            }),
          ).catch((error: unknown) => {
            if (!hasApiError(error, 'TOPIC_ALREADY_EXISTS')) throw error;
          }),
        ),
      );
      this.#logger.info({ topics: create }, 'Kafka topics created');
    }
    if (grow.length > 0) {
      await this.#call('createPartitions', () =>
        this.#admin.createPartitions({
          topics: grow.map(({ topic, partitions }) => ({ name: topic, count: partitions })),
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
    // Right after a topic is created its leader may briefly answer NOT_LEADER_OR_FOLLOWER: retry
    // retriable failures within the timeout.
    const deadline = Date.now() + this.#options.timeoutMs;
    for (;;) {
      try {
        const offsets = await this.#call(`listOffsets(${topic})`, () =>
          this.#offsets.listOffsets({ topics: [topic] }),
        );
        return (offsets.get(topic) ?? []).map(Number);
      } catch (error) {
        if (!(error instanceof SluiceError && error.retriable) || Date.now() > deadline) throw error;
        await sleep(RETRY_MS);
      }
    }
  }

  /** The topic's configs as the broker reports them (overrides and defaults alike). */
  async describeConfigs(topic: string): Promise<Record<string, string>> {
    const [resource] = await this.#call(`describeConfigs(${topic})`, () =>
      this.#admin.describeConfigs({
        resources: [{ resourceType: TOPIC_RESOURCE, resourceName: topic }],
      }),
    );
    const out: Record<string, string> = Object.create(null);
    for (const entry of resource?.configs ?? []) if (entry.value != null) out[entry.name] = entry.value;
    return out;
  }

  /** The group's committed offset per partition of `topic`; null where it never committed. */
  async committedOffsets(groupId: string, topic: string): Promise<Array<number | null>> {
    const [partitions, groups] = await Promise.all([
      this.#partitionCounts([topic]).then((counts) => counts.get(topic) ?? 0),
      this.#call(`listConsumerGroupOffsets(${groupId})`, () =>
        this.#admin.listConsumerGroupOffsets({ groups: [groupId] }),
      ),
    ]);
    const out = new Array<number | null>(partitions).fill(null);
    for (const t of groups[0]?.topics ?? []) {
      if (t.name !== topic) continue;
      for (const p of t.partitions)
        if (p.committedOffset >= 0n) out[p.partitionIndex] = Number(p.committedOffset);
    }
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([this.#admin.close(), this.#offsets.close()]);
  }

  /**
   * Partition count of each of `names` that exists. One metadata request per name rather than a
   * listing of every topic: a cluster may hold thousands, and listing them all took 60-130 ms of
   * startup against a broker with 2,700.
   */
  async #partitionCounts(names: readonly string[]): Promise<Map<string, number>> {
    const counts = await Promise.all(
      [...new Set(names)].map(async (name) => {
        try {
          const metadata = await this.#admin.metadata({ topics: [name], forceUpdate: true });
          return [name, metadata.topics.get(name)?.partitionsCount ?? 0] as const;
        } catch (error) {
          if (isUnknownTopic(error, name)) return undefined;
          throw toSluiceError(error, `admin metadata(${name})`);
        }
      }),
    );
    return new Map(counts.filter((c) => c !== undefined));
  }

  async #awaitLeaders(specs: readonly TopicSpec[]): Promise<void> {
    if (specs.length === 0) return;
    const topics = specs.map((s) => s.topic);
    const deadline = Date.now() + this.#options.timeoutMs;
    for (;;) {
      const ready = await this.#admin
        .metadata({ topics, forceUpdate: true })
        .then((metadata) =>
          specs.every((spec) => {
            const t = metadata.topics.get(spec.topic);
            return (
              t !== undefined &&
              t.partitionsCount >= spec.partitions &&
              t.partitions.every((p) => p.leader >= 0)
            );
          }),
        )
        // Right after creation the broker may not know the topic yet: keep asking until the deadline.
        .catch(() => false);
      if (ready) return;
      if (Date.now() > deadline) {
        throw new SluiceError(
          'SLUICE_TRANSPORT_UNAVAILABLE',
          `topics ${topics.join(', ')}: partitions did not all get a leader within ${this.#options.timeoutMs} ms`,
          { retriable: true, subject: topics.join(',') },
        );
      }
      await sleep(METADATA_POLL_MS);
    }
  }

  async #call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toSluiceError(error, `admin ${what}`);
    }
  }
}
