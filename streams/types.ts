/**
 * Kafka-style message headers. Values are raw bytes, as on the wire. Always an object without a
 * prototype (`emptyHeaders()`): header names are input data, and `__proto__` is a valid one.
 */
export type RecordHeaders = Record<string, Buffer>;

/** A record read from a topic partition. Offsets are plain numbers (exact up to 2^53). */
export interface InputRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
  /** The record's broker/producer timestamp, epoch ms. */
  timestampMs: number;
  /**
   * Set by an adapter for a record it could not read whole (its headers, say) on every attempt:
   * why. It carries the raw key and value the adapter had; the decode stage dead-letters it, so the
   * partition moves on and its offset is committed only once that dead letter is written.
   */
  unreadable?: string;
}

/** A record to append. Without `partition`, the producer partitions by key (murmur2, as Kafka's default). */
export interface OutgoingRecord {
  key: Buffer | string | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string>;
  partition?: number;
  timestampMs?: number;
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** `offset` is the next offset to read, as Kafka commits it (last processed + 1). */
export interface TopicPartitionOffset extends TopicPartition {
  offset: number;
}

/** A topic Sluice needs. `configs` apply when the topic is created; an existing topic keeps its own. */
export interface TopicSpec {
  topic: string;
  partitions: number;
  /** Topic-level configs such as `max.message.bytes` or `message.timestamp.type`. */
  configs?: Readonly<Record<string, string>>;
}

/** Kafka's default `max.message.bytes` (1 MiB + record batch overhead), which the embedded broker applies too. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/**
 * Called by a consumer client inside `poll()` when the group rebalances. `onRevoked` runs first
 * and is awaited: the engine finishes or abandons in-flight work for those partitions and commits
 * what is safe before the partitions move to another member.
 */
export interface RebalanceListener {
  onAssigned(partitions: TopicPartition[]): void | Promise<void>;
  onRevoked(partitions: TopicPartition[]): void | Promise<void>;
}

/** Appends records. `send` resolves once the transport has durably accepted every record. */
export interface ProducerClient {
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * A producer whose sends between two commits form one Kafka transaction: exactly-once delivery
 * from input topic to output topics. Only one commit or send batch runs at a time per engine.
 */
export interface TransactionalProducerClient extends ProducerClient {
  /**
   * Atomically commits every record sent since the last commit together with `offsets`, the input
   * positions of `consumer`'s group, then opens the next transaction. Rejects when the transaction
   * could not commit (it is aborted, and nothing of it becomes visible to read_committed readers).
   */
  commitTransaction(offsets: TopicPartitionOffset[], consumer: ConsumerClient): Promise<void>;
}

/** A group member's view of its partitions. Pull-based: the engine calls `poll` in a loop. */
export interface ConsumerClient {
  subscribe(topics: string[]): Promise<void>;
  /** Up to `maxRecords` from unpaused assigned partitions; waits up to `maxWaitMs` when none are ready. */
  poll(maxRecords: number, maxWaitMs: number): Promise<InputRecord[]>;
  pause(partitions: TopicPartition[]): void;
  resume(partitions: TopicPartition[]): void;
  commit(offsets: TopicPartitionOffset[]): Promise<void>;
  assignment(): TopicPartition[];
  /**
   * True once this member has joined its group and holds its whole assignment (possibly empty,
   * when members outnumber partitions); false before that, while a rebalance is under way, and
   * after the member was evicted or crashed. `/readyz` reads it.
   */
  isAssigned(): boolean;
  /** Leaves the group; remaining partitions move to other members. */
  close(): Promise<void>;
}

export interface ConsumerOptions {
  groupId: string;
  clientId?: string;
  rebalance: RebalanceListener;
  /** Where a group with no committed offset starts. Default: earliest. */
  fromBeginning?: boolean;
}

/** How Sluice reaches topics: the embedded in-memory broker or Kafka. The engine knows nothing else. */
export interface Transport {
  readonly kind: 'embedded' | 'kafka';
  ensureTopics(specs: TopicSpec[]): Promise<void>;
  createProducer(): Promise<ProducerClient>;
  createConsumer(options: ConsumerOptions): Promise<ConsumerClient>;
  /**
   * A transactional producer (Kafka only). `transactionalId` must be unique per live instance and
   * stable across its restarts: a restarted instance then aborts its predecessor's open transaction
   * at once instead of waiting for the transaction timeout.
   */
  createTransactionalProducer?(transactionalId: string): Promise<TransactionalProducerClient>;
  /**
   * The topic's configs as the broker reports them (topic overrides and broker defaults alike),
   * for the limits Sluice checks at start: `max.message.bytes` at least.
   */
  describeTopicConfigs(topic: string): Promise<Readonly<Record<string, string>>>;
  /** Log-end offset per partition of `topic` (the offset its next record gets). */
  endOffsets(topic: string): number[] | Promise<number[]>;
  /** The group's committed offset per partition of `topic`; null where it never committed. */
  committedOffsets(groupId: string, topic: string): Array<number | null> | Promise<Array<number | null>>;
  /** The largest record a producer of this transport sends (`message.max.bytes`); undefined where the client sets no limit. */
  producerMaxRecordBytes(): number | undefined;
  /** True while the transport can reach its broker; `/readyz` reads it. */
  isConnected(): boolean;
  close(): Promise<void>;
}

export function partitionId(topic: string, partition: number): string {
  return `${topic}[${partition}]`;
}
