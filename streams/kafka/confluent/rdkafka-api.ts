// The part of @confluentinc/kafka-javascript's node-rdkafka-style API that this adapter uses,
// written out structurally. The package is an optional native dependency: typing against these
// interfaces keeps `tsc` and every other module working on a machine where it could not be built.

/** librdkafka property values as the client takes them. */
export type RdKafkaConfigValue = string | number | boolean;

/** Global (and topic-level default) properties plus the JS-side callbacks the client understands. */
export type RdKafkaConfig = Record<string, RdKafkaConfigValue | RebalanceCallback>;

/** An error the library hands back or emits: librdkafka's numeric code plus flags. */
export interface RdKafkaError {
  message: string;
  code: number;
  origin?: string;
  isFatal?: boolean;
  isRetriable?: boolean;
}

/** A topic partition as the library passes it around; `offset` where one applies. */
export interface RdTopicPartition {
  topic: string;
  partition: number;
  offset?: number;
  error?: RdKafkaError;
}

/** One consumed message: headers are one-key objects, values are Buffers. */
export interface RdMessage {
  topic: string;
  partition: number;
  offset: number;
  key?: Buffer | string | null;
  value: Buffer | null;
  timestamp?: number;
  headers?: Array<Record<string, Buffer | string>>;
}

/** The delivery report of one produced message; `opaque` is what `produce` was given. */
export interface RdDeliveryReport {
  topic: string;
  partition: number;
  offset: number;
  opaque?: unknown;
}

export interface RdMetadata {
  topics: Array<{ name: string; partitions: Array<{ id: number; leader: number }> }>;
  brokers: Array<{ id: number; host: string; port: number }>;
}

export interface RdMetadataOptions {
  topic?: string;
  allTopics?: boolean;
  timeout?: number;
}

/** `err` is set for ERR__ASSIGN_PARTITIONS (-175) and ERR__REVOKE_PARTITIONS (-174). */
export type RebalanceCallback = (err: RdKafkaError | undefined, assignment: RdTopicPartition[]) => void;

type Callback<T> = (err: RdKafkaError | null | undefined, value: T) => void;

/** What both clients share: connect, metadata, events. */
export interface RdClient {
  connect(options: RdMetadataOptions, cb: Callback<RdMetadata>): unknown;
  disconnect(cb: (err: unknown) => void): unknown;
  isConnected(): boolean;
  getMetadata(options: RdMetadataOptions, cb: Callback<RdMetadata>): unknown;
  on(event: 'event.error', listener: (err: RdKafkaError) => void): unknown;
  on(
    event: 'event.log',
    listener: (log: { severity: number; fac: string; message: string }) => void,
  ): unknown;
}

export interface RdKafkaConsumer extends RdClient {
  subscribe(topics: string[]): unknown;
  consume(count: number, cb: Callback<RdMessage[]>): void;
  setDefaultConsumeTimeout(timeoutMs: number): void;
  /** Private in the typings but stable: wait `timeout` for the first message only, not for each. */
  setDefaultIsTimeoutOnlyForFirstMessage?(only: boolean): void;
  assign(partitions: RdTopicPartition[]): unknown;
  unassign(): unknown;
  incrementalAssign(partitions: RdTopicPartition[]): unknown;
  incrementalUnassign(partitions: RdTopicPartition[]): unknown;
  assignmentLost(): boolean;
  rebalanceProtocol(): 'NONE' | 'EAGER' | 'COOPERATIVE';
  pause(partitions: RdTopicPartition[]): unknown;
  resume(partitions: RdTopicPartition[]): unknown;
  /** Moves the fetch position of an assigned partition; prefetched messages of it are discarded. */
  seek(
    partition: RdTopicPartition,
    timeoutMs: number,
    cb: (err: RdKafkaError | null | undefined) => void,
  ): unknown;
  /** Enqueues an asynchronous commit (librdkafka commitAsync); does not wait for the broker. */
  commit(offsets: RdTopicPartition[]): unknown;
  committed(partitions: RdTopicPartition[], timeoutMs: number, cb: Callback<RdTopicPartition[]>): unknown;
}

export interface RdProducer extends RdClient {
  produce(
    topic: string,
    partition: number | null,
    value: Buffer | null,
    key: Buffer | string | null,
    timestamp: number | null,
    opaque: unknown,
    headers: Array<Record<string, Buffer | string>> | undefined,
  ): unknown;
  poll(): unknown;
  setPollInterval(intervalMs: number): unknown;
  initTransactions(timeoutMs: number, cb: (err: RdKafkaError | null | undefined) => void): unknown;
  beginTransaction(cb: (err: RdKafkaError | null | undefined) => void): unknown;
  commitTransaction(timeoutMs: number, cb: (err: RdKafkaError | null | undefined) => void): unknown;
  abortTransaction(timeoutMs: number, cb: (err: RdKafkaError | null | undefined) => void): unknown;
  sendOffsetsToTransaction(
    offsets: RdTopicPartition[],
    consumer: RdKafkaConsumer,
    timeoutMs: number,
    cb: (err: RdKafkaError | null | undefined) => void,
  ): unknown;
  /** Serve delivery reports and events on librdkafka's background thread; needs a connected client. */
  setPollInBackground?(on: boolean): unknown;
  flush(timeoutMs: number, cb: (err: RdKafkaError | null | undefined) => void): unknown;
  on(
    event: 'delivery-report',
    listener: (err: RdKafkaError | null, report: RdDeliveryReport) => void,
  ): unknown;
  on(event: 'event.error', listener: (err: RdKafkaError) => void): unknown;
  on(
    event: 'event.log',
    listener: (log: { severity: number; fac: string; message: string }) => void,
  ): unknown;
}

export interface RdNewTopic {
  topic: string;
  num_partitions: number;
  replication_factor: number;
  config?: Record<string, string>;
}

export interface RdTopicDescription {
  name: string;
  partitions: Array<{ partition: number; leader: { id: number } | null }>;
  error?: RdKafkaError;
}

export interface RdAdminClient {
  createTopic(topic: RdNewTopic, timeoutMs: number, cb: (err: RdKafkaError | null | undefined) => void): void;
  createPartitions(
    topic: string,
    total: number,
    timeoutMs: number,
    cb: (err: RdKafkaError | null | undefined) => void,
  ): void;
  describeTopics(topics: string[], options: { timeout?: number }, cb: Callback<RdTopicDescription[]>): void;
  listOffsets(
    partitions: Array<{ topic: string; partition: number; offset: unknown }>,
    options: { timeout?: number },
    cb: Callback<Array<{ topic: string; partition: number; offset: number; error?: RdKafkaError }>>,
  ): void;
  listConsumerGroupOffsets(
    groups: Array<{ groupId: string; partitions?: Array<{ topic: string; partition: number }> }>,
    options: { timeout?: number },
    cb: Callback<Array<{ groupId: string; error?: RdKafkaError; partitions: RdTopicPartition[] }>>,
  ): void;
  disconnect(): void;
}

/** The loaded module: constructors, admin factory, error codes. */
export interface RdKafkaLibrary {
  KafkaConsumer: new (conf: RdKafkaConfig, topicConf: RdKafkaConfig) => RdKafkaConsumer;
  Producer: new (conf: RdKafkaConfig, topicConf: RdKafkaConfig) => RdProducer;
  AdminClient: {
    create(
      conf: RdKafkaConfig,
      eventHandlers?: { 'event.error'?: (err: RdKafkaError) => void },
    ): RdAdminClient;
  };
  OffsetSpec: { LATEST: unknown; EARLIEST: unknown };
  CODES: { ERRORS: Record<string, number> };
  librdkafkaVersion: string;
  features: string[];
}
