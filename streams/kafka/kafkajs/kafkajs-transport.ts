import { type CompressionTypes, Kafka } from 'kafkajs';
import { SluiceError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import type { ConsumerOptions, TopicSpec, Transport } from '../../types.ts';
import { ConnectionHealth } from '../connection-health.ts';
import type { KafkaConfig } from '../kafka-config.ts';
import { kafkajsClientConfig, kafkajsCompression, kafkajsConsumerConfig } from './client-options.ts';
import { KafkajsConsumer } from './kafkajs-consumer.ts';
import { clientClosed } from './kafkajs-errors.ts';
import { KafkajsProducer, type KafkajsProducerDeps } from './kafkajs-producer.ts';
import { KafkajsTransactionalProducer } from './kafkajs-transactional-producer.ts';
import type { KafkajsRecordMapper } from './record-conversion.ts';
import { TopicAdmin } from './topic-admin.ts';

/** Options beyond the shared `transport.kafka` config. */
export interface KafkajsTransportOptions {
  /** Replication factor of the topics `ensureTopics` creates. Default 1 (single-broker clusters). */
  replicationFactor?: number;
  /** Records each consumer fetches ahead of `poll`, all its partitions together. Default 5000. */
  queuedRecordsLimit?: number;
  /** Maps each fetched message to the engine's record; tests pass one that fails. */
  mapRecord?: KafkajsRecordMapper;
}

/**
 * The Kafka transport on kafkajs (pure JavaScript; no native build). Config errors kafkajs cannot
 * honour (snappy/lz4/zstd compression, an unreadable CA file) throw a ConfigError from the
 * constructor. Besides the Transport contract it offers read-only inspection for tests and the
 * load generator, as the Confluent adapter does.
 */
export class KafkajsTransport implements Transport {
  readonly kind = 'kafka' as const;
  readonly #config: KafkaConfig;
  readonly #logger: Logger;
  readonly #options: KafkajsTransportOptions;
  readonly #kafka: Kafka;
  readonly #compression: CompressionTypes;
  readonly #health: ConnectionHealth;
  readonly #consumers = new Set<KafkajsConsumer>();
  readonly #producers = new Set<KafkajsProducer>();
  #admin: TopicAdmin | undefined;
  #clientSeq = 0;
  #closed = false;

  constructor(config: KafkaConfig, logger: Logger, options: KafkajsTransportOptions = {}) {
    this.#config = config;
    this.#logger = logger.child({ transport: 'kafka', client: 'kafkajs' });
    this.#options = options;
    this.#compression = kafkajsCompression(config);
    this.#kafka = new Kafka(kafkajsClientConfig(config, this.#logger));
    this.#health = new ConnectionHealth(this.#logger);
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    await this.#topicAdmin().ensure(specs);
  }

  describeTopicConfigs(topic: string): Promise<Readonly<Record<string, string>>> {
    return this.#topicAdmin().describeConfigs(topic);
  }

  /** kafkajs sets no record size limit of its own; the topic's `max.message.bytes` applies. */
  producerMaxRecordBytes(): number | undefined {
    return undefined;
  }

  async createProducer(): Promise<KafkajsProducer> {
    if (this.#closed) throw clientClosed('createProducer');
    const producer = new KafkajsProducer(this.#kafka, this.#producerDeps(this.#clientName('producer')));
    return this.#opened(producer);
  }

  /**
   * A producer whose sends between two commits form one Kafka transaction (`delivery:
   * exactly-once`). Connecting fences an older producer with the same id and aborts its open
   * transaction. kafkajs's OffsetFetch has no require_stable (KIP-447), which the warning names.
   */
  async createTransactionalProducer(transactionalId: string): Promise<KafkajsTransactionalProducer> {
    if (this.#closed) throw clientClosed('createTransactionalProducer');
    this.#logger.warn(
      { transactionalId },
      'exactly-once with transport.kafka.client kafkajs: a member that takes a partition over while the last transaction is still being committed may score its records again (kafkajs cannot ask for stable offsets); platformatic and confluent wait',
    );
    const name = this.#clientName('txn-producer');
    const producer = new KafkajsTransactionalProducer(this.#kafka, this.#producerDeps(name), {
      transactionalId,
      transactionTimeoutMs: this.#config.transactionTimeoutMs,
      logger: this.#logger.child({ transactionalId }),
    });
    return this.#opened(producer, () => producer.begin());
  }

  async createConsumer(options: ConsumerOptions): Promise<KafkajsConsumer> {
    if (this.#closed) throw clientClosed('createConsumer');
    if (typeof options.groupId !== 'string' || options.groupId.length === 0) {
      throw new SluiceError('SLUICE_CONFIG_INVALID', 'consumer groupId must be a non-empty string', {
        subject: 'groupId',
      });
    }
    const consumer = new KafkajsConsumer({
      kafka: this.#kafka,
      config: kafkajsConsumerConfig(this.#config, options.groupId),
      name: options.clientId ?? this.#clientName(`consumer-${options.groupId}`),
      fromBeginning: options.fromBeginning ?? true,
      listener: options.rebalance,
      health: this.#health,
      logger: this.#logger.child({ group: options.groupId }),
      queueLimit: this.#options.queuedRecordsLimit ?? 5000,
      closeTimeoutMs: Math.max(10_000, this.#config.requestTimeoutMs),
      onClose: (c) => this.#consumers.delete(c),
      mapRecord: this.#options.mapRecord,
    });
    this.#consumers.add(consumer);
    try {
      await consumer.connect();
    } catch (error) {
      await consumer.close().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await consumer.close();
      throw clientClosed('createConsumer');
    }
    return consumer;
  }

  /** False once closed, and from a consumer crash, failed connect or send until a client reaches a broker again. */
  isConnected(): boolean {
    return !this.#closed && this.#health.reachable;
  }

  /** Closes every consumer (leaving its group), then every producer, then the admin client. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers].map((c) => c.close()));
    await Promise.all([...this.#producers].map((p) => p.close().catch(() => undefined)));
    await this.#admin?.close().catch(() => undefined);
  }

  // Inspection: read-only views for tests, metrics and the load generator.

  /** Log-end offset per partition (the offset the next record gets). */
  endOffsets(topic: string): Promise<number[]> {
    return this.#topicAdmin().endOffsets(topic);
  }

  /** The group's committed offset per partition of `topic`, null where it never committed. */
  committedOffsets(groupId: string, topic: string): Promise<Array<number | null>> {
    return this.#topicAdmin().committedOffsets(groupId, topic);
  }

  #producerDeps(name: string): KafkajsProducerDeps {
    return {
      name,
      compression: this.#compression,
      lingerMs: this.#config.lingerMs,
      health: this.#health,
      onClose: (p) => this.#producers.delete(p),
    };
  }

  /** Connects a new producer (then runs `ready`), closing it again if that fails or the transport closed meanwhile. */
  async #opened<P extends KafkajsProducer>(producer: P, ready?: () => Promise<void>): Promise<P> {
    this.#producers.add(producer);
    try {
      await producer.connect();
      await ready?.();
    } catch (error) {
      await producer.close().catch(() => undefined);
      throw error;
    }
    if (this.#closed) {
      await producer.close();
      throw clientClosed('createProducer');
    }
    return producer;
  }

  #topicAdmin(): TopicAdmin {
    if (this.#closed) throw clientClosed('Kafka transport admin');
    this.#admin ??= new TopicAdmin(this.#kafka, this.#logger, {
      replicationFactor: this.#options.replicationFactor ?? 1,
      timeoutMs: this.#config.requestTimeoutMs,
    });
    return this.#admin;
  }

  #clientName(role: string): string {
    return `${this.#config.clientId}-${role}-${++this.#clientSeq}`;
  }
}
