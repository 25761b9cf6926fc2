import {
  type CompressionTypes,
  type Kafka,
  type Message,
  Partitioners,
  type Producer,
  type ProducerConfig,
} from 'kafkajs';
import type { OutgoingRecord, ProducerClient } from '../../types.ts';
import type { ConnectionHealth } from '../connection-health.ts';
import { OrderedSendQueue } from '../ordered-send-queue.ts';
import { KAFKAJS_RETRY } from './client-options.ts';
import { clientClosed, isConnectionFailure, sendFailed, toSluiceError } from './kafkajs-errors.ts';
import { toKafkaMessage } from './record-conversion.ts';

/** What the transport hands each producer it creates. */
export interface KafkajsProducerDeps {
  name: string;
  compression: CompressionTypes;
  lingerMs: number;
  health: ConnectionHealth;
  onClose: (producer: KafkajsProducer) => void;
}

/** acks=all; idempotence needs it. The broker answers only once every in-sync replica has the batch. */
export const ACKS_ALL = -1;
// Well under the broker's default message.max.bytes (1 MiB per partition batch) even if every
// merged record lands on one partition.
const MAX_REQUEST_BYTES = 512 * 1024;
const MAX_REQUEST_RECORDS = 10_000;

/** The idempotent producer settings; the transactional producer adds its id to them. */
export const IDEMPOTENT_PRODUCER: ProducerConfig = {
  idempotent: true,
  // The idempotence limit. kafkajs serialises an idempotent producer's requests per broker anyway.
  maxInFlightRequests: 5,
  // kafkajs's v2 default, set explicitly: murmur2 as Java's DefaultPartitioner (and no v2 warning).
  createPartitioner: Partitioners.DefaultPartitioner,
  // Topics are created by ensureTopics(); a typo must fail, not create a one-partition topic.
  allowAutoTopicCreation: false,
  // Bounded (kafkajs's idempotent default retries forever): a dead broker fails `send`, the sink retries.
  retry: KAFKAJS_RETRY,
};

/**
 * The kafkajs producer behind the Transport's `ProducerClient`; sinks call `send`. Idempotent
 * (acks=all, at most 5 requests in flight), keyed records placed by Kafka's Java-compatible
 * murmur2 partitioner, so keys land where the Confluent adapter and the embedded broker put them.
 * Overlapping sends reach the broker in call order (OrderedSendQueue). `send` resolves once the
 * broker acknowledged every record, and rejects with a SluiceError naming the topic after
 * kafkajs's own (bounded, ~7 s) retries.
 */
export class KafkajsProducer implements ProducerClient {
  protected readonly producer: Producer;
  protected readonly compression: CompressionTypes;
  readonly #deps: KafkajsProducerDeps;
  readonly #queue: OrderedSendQueue<Message>;
  #closed = false;

  constructor(kafka: Kafka, deps: KafkajsProducerDeps, config: ProducerConfig = IDEMPOTENT_PRODUCER) {
    this.#deps = deps;
    this.compression = deps.compression;
    this.producer = kafka.producer(config);
    this.#queue = new OrderedSendQueue((topic, messages) => this.request(topic, messages), {
      lingerMs: deps.lingerMs,
      maxRequestBytes: MAX_REQUEST_BYTES,
      maxRequestRecords: MAX_REQUEST_RECORDS,
    });
    const { events } = this.producer;
    this.producer.on(events.REQUEST, () => deps.health.markUp(deps.name));
    this.producer.on(events.REQUEST_TIMEOUT, () => deps.health.requestTimedOut(deps.name));
  }

  /** Connects (and obtains the idempotent producer id); the transport awaits it before handing the producer out. */
  async connect(): Promise<void> {
    try {
      await this.producer.connect();
      this.#deps.health.markUp(this.#deps.name);
    } catch (error) {
      this.#deps.health.markDown(this.#deps.name, 'producer could not connect', error);
      throw toSluiceError(error, `producer ${this.#deps.name} connect`);
    }
  }

  async send(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (this.#closed) throw clientClosed(`producer.send to "${topic}"`);
    if (records.length === 0) return;
    const messages = new Array<Message>(records.length);
    for (let i = 0; i < records.length; i++) messages[i] = toKafkaMessage(records[i]!);
    try {
      await this.#queue.send(topic, messages);
    } catch (error) {
      if (isConnectionFailure(error)) this.#deps.health.markDown(this.#deps.name, 'send failed', error);
      throw sendFailed(topic, error);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#queue.idle();
      await this.producer.disconnect();
    } finally {
      this.#deps.onClose(this);
    }
  }

  /** Resolves once every send so far is acknowledged (or failed). */
  protected sent(): Promise<void> {
    return this.#queue.idle();
  }

  /** One request of the ordered send queue. */
  protected async request(topic: string, messages: Message[]): Promise<void> {
    await this.producer.send({ topic, messages, acks: ACKS_ALL, compression: this.compression });
  }
}
