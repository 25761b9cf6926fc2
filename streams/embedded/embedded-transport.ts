import { SluiceError } from '../../core/errors.ts';
import type { ConsumerOptions, InputRecord, TopicPartition, TopicSpec, Transport } from '../types.ts';
import { ConsumerGroup } from './consumer-group.ts';
import { EmbeddedConsumer, type ReadStats } from './embedded-consumer.ts';
import { EmbeddedProducer } from './embedded-producer.ts';
import { TopicRegistry } from './topic-registry.ts';
import { transportClosed } from './transport-errors.ts';

/** Options of the embedded broker; the app's config maps its `transport.embedded` keys onto them. */
export interface EmbeddedTransportOptions {
  /** Records kept per partition; past it the oldest are dropped in chunks (≤ 1.25× kept). Default 500_000. */
  retentionRecords?: number;
  /** How long a member may block a partition hand-off without polling before it is evicted. Default 10 s. */
  sessionTimeoutMs?: number;
}

/**
 * The in-memory broker: the default transport of `npm start` and of the fast tests. Behaves like
 * Kafka where the pipeline can notice (partitioning, offsets, groups, commits, retention), with
 * auto-create off. Besides the Transport contract it offers read-only inspection for tests,
 * metrics and the in-process load generator.
 */
export class EmbeddedTransport implements Transport {
  readonly kind = 'embedded' as const;
  readonly #registry: TopicRegistry;
  readonly #sessionTimeoutMs: number;
  readonly #groups = new Map<string, ConsumerGroup>();
  readonly #consumers = new Set<EmbeddedConsumer>();
  readonly #producers = new Set<EmbeddedProducer>();
  readonly #stats: ReadStats = { truncatedReads: 0, truncatedRecords: 0 };
  #memberSeq = 0;
  #closed = false;

  constructor(options: EmbeddedTransportOptions = {}) {
    const retention = options.retentionRecords ?? 500_000;
    const sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    if (!(retention >= 1) || !(Number.isInteger(retention) || retention === Number.POSITIVE_INFINITY)) {
      throw new SluiceError(
        'SLUICE_CONFIG_INVALID',
        `retentionRecords must be a whole number ≥ 1, got ${retention}`,
        {
          subject: 'retentionRecords',
        },
      );
    }
    if (!(sessionTimeoutMs > 0)) {
      throw new SluiceError(
        'SLUICE_CONFIG_INVALID',
        `sessionTimeoutMs must be > 0, got ${sessionTimeoutMs}`,
        {
          subject: 'sessionTimeoutMs',
        },
      );
    }
    this.#registry = new TopicRegistry(retention);
    this.#sessionTimeoutMs = sessionTimeoutMs;
  }

  /** Creates missing topics and grows smaller ones (never shrinks); growth rebalances subscribed groups. */
  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    if (this.#closed) throw transportClosed('ensureTopics');
    for (const spec of specs) {
      if (!this.#registry.ensure(spec)) continue;
      for (const group of this.#groups.values()) group.topicGrown(spec.topic);
    }
  }

  async describeTopicConfigs(topic: string): Promise<Readonly<Record<string, string>>> {
    if (this.#closed) throw transportClosed('describeTopicConfigs');
    return this.#registry.configs(topic);
  }

  /** The embedded producer has no limit of its own; topics have theirs (`max.message.bytes`). */
  producerMaxRecordBytes(): number | undefined {
    return undefined;
  }

  async createProducer(): Promise<EmbeddedProducer> {
    if (this.#closed) throw transportClosed('createProducer');
    const producer = new EmbeddedProducer(this.#registry, (p) => this.#producers.delete(p));
    this.#producers.add(producer);
    return producer;
  }

  async createConsumer(options: ConsumerOptions): Promise<EmbeddedConsumer> {
    if (this.#closed) throw transportClosed('createConsumer');
    if (typeof options.groupId !== 'string' || options.groupId.length === 0) {
      throw new SluiceError('SLUICE_CONFIG_INVALID', 'consumer groupId must be a non-empty string', {
        subject: 'groupId',
      });
    }
    let group = this.#groups.get(options.groupId);
    if (!group) {
      group = new ConsumerGroup(options.groupId, this.#registry, this.#sessionTimeoutMs);
      this.#groups.set(options.groupId, group);
    }
    // Zero-padded so that sorting ids (the assignor's order) is join order within one client id.
    const memberId = `${options.clientId ?? options.groupId}-${String(++this.#memberSeq).padStart(6, '0')}`;
    const consumer = new EmbeddedConsumer(options, {
      memberId,
      group,
      registry: this.#registry,
      stats: this.#stats,
      onClose: (c) => this.#consumers.delete(c),
    });
    this.#consumers.add(consumer);
    return consumer;
  }

  isConnected(): boolean {
    return !this.#closed;
  }

  /** Closes every client (pending polls return []), stops group timers; data stays readable. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers].map((c) => c.close()));
    await Promise.all([...this.#producers].map((p) => p.close()));
    for (const group of this.#groups.values()) group.dispose();
  }

  // Inspection: read-only views for tests, metrics and the load generator.

  get truncatedReads(): number {
    return this.#stats.truncatedReads;
  }

  get truncatedRecords(): number {
    return this.#stats.truncatedRecords;
  }

  topics(): TopicSpec[] {
    return this.#registry.specs();
  }

  /** Log-end offset per partition (the offset the next record gets). */
  endOffsets(topic: string): number[] {
    return this.#registry.logs(topic).map((log) => log.endOffset);
  }

  /** Oldest retained offset per partition; above 0 once retention dropped records. */
  logStartOffsets(topic: string): number[] {
    return this.#registry.logs(topic).map((log) => log.startOffset);
  }

  /** The group's committed offset per partition of `topic`, null where it never committed. */
  committedOffsets(groupId: string, topic: string): Array<number | null> {
    const group = this.#groups.get(groupId);
    if (group) return group.committedOffsets(topic);
    return this.#registry.logs(topic).map(() => null);
  }

  /** Partitions each live member of the group owns right now, keyed by member id. */
  groupOwnership(groupId: string): Record<string, TopicPartition[]> {
    return this.#groups.get(groupId)?.ownership() ?? {};
  }

  /** Retained records of one partition from `fromOffset` (clamped to log start), oldest first. */
  readPartition(
    topic: string,
    partition: number,
    fromOffset = 0,
    maxRecords = Number.POSITIVE_INFINITY,
  ): InputRecord[] {
    const log = this.#registry.log(topic, partition);
    return log.read(Math.max(fromOffset, log.startOffset), maxRecords);
  }

  /** Every retained record of the topic, partition by partition, each in offset order. */
  readAll(topic: string): InputRecord[] {
    const out: InputRecord[] = [];
    for (const log of this.#registry.logs(topic)) {
      for (const record of log.read(log.startOffset, log.size)) out.push(record);
    }
    return out;
  }
}
