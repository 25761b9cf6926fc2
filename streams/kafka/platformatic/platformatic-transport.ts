import type { BaseOptions, CompressionAlgorithmValue, ProducerOptions } from '@platformatic/kafka';
import { SluiceError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import type { ConsumerOptions, TopicSpec, Transport } from '../../types.ts';
import { ConnectionHealth } from '../connection-health.ts';
import type { KafkaConfig } from '../kafka-config.ts';
import { platformaticBaseOptions, platformaticCompression } from './client-options.ts';
import { PlatformaticConsumer } from './platformatic-consumer.ts';
import { clientClosed } from './platformatic-errors.ts';
import { PlatformaticProducer, type PlatformaticProducerDeps } from './platformatic-producer.ts';
import { PlatformaticTransactionalProducer } from './platformatic-transactional-producer.ts';
import type { PlatformaticRecordMapper } from './record-mapping.ts';
import { TopicAdmin } from './topic-admin.ts';

/** Options beyond the shared `transport.kafka` config. */
export interface PlatformaticTransportOptions {
  /** Replication factor of the topics `ensureTopics` creates. Default 1 (single-broker clusters). */
  replicationFactor?: number;
  /** Records each consumer fetches ahead of `poll`, all its partitions together. Default 5000. */
  queuedRecordsLimit?: number;
  /** Maps each fetched record to the engine's record; tests pass one that fails. */
  mapRecord?: PlatformaticRecordMapper;
}

// How long a rebalance waits for members to rejoin; half of it bounds a revoke (see PlatformaticConsumer).
const REBALANCE_TIMEOUT_MS = 60_000;

/**
 * The Kafka transport on @platformatic/kafka: pure TypeScript, so the Kafka path works after a
 * plain `npm ci`, with no native build. Config it cannot honour (zstd on Node < 22.15, an
 * unreadable CA file) throws a ConfigError from the constructor.
 */
export class PlatformaticTransport implements Transport {
  readonly kind = 'kafka' as const;
  readonly #config: KafkaConfig;
  readonly #logger: Logger;
  readonly #options: PlatformaticTransportOptions;
  readonly #compression: CompressionAlgorithmValue;
  readonly #health: ConnectionHealth;
  readonly #baseOptions: BaseOptions;
  readonly #consumers = new Set<PlatformaticConsumer>();
  readonly #producers = new Set<PlatformaticProducer>();
  #admin: TopicAdmin | undefined;
  #clientSeq = 0;
  #closed = false;

  constructor(config: KafkaConfig, logger: Logger, options: PlatformaticTransportOptions = {}) {
    this.#config = config;
    this.#logger = logger.child({ transport: 'kafka', client: 'platformatic' });
    this.#options = options;
    this.#compression = platformaticCompression(config);
    // Reads the CA file once, here, so a bad path fails at once with the key named.
    this.#baseOptions = platformaticBaseOptions(config, config.clientId);
    this.#health = new ConnectionHealth(this.#logger);
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    await this.#topicAdmin().ensure(specs);
  }

  describeTopicConfigs(topic: string): Promise<Readonly<Record<string, string>>> {
    return this.#topicAdmin().describeConfigs(topic);
  }

  /** The client sets no record size limit of its own; the topic's `max.message.bytes` applies. */
  producerMaxRecordBytes(): number | undefined {
    return undefined;
  }

  async createProducer(): Promise<PlatformaticProducer> {
    if (this.#closed) throw clientClosed('createProducer');
    const name = this.#clientName('producer');
    return this.#opened(new PlatformaticProducer(this.#producerDeps(name)));
  }

  /** Connects a new producer, closing it again if that fails or the transport closed meanwhile. */
  async #opened<P extends PlatformaticProducer>(producer: P): Promise<P> {
    this.#producers.add(producer);
    try {
      await producer.connect();
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

  /**
   * A producer whose sends between two commits form one Kafka transaction (`delivery:
   * exactly-once`). Opening it fences an older producer with the same id and aborts its open
   * transaction. The broker aborts a transaction open longer than `transactionTimeoutMs`; the
   * client sends its request timeout there, so this producer's requests share that bound.
   */
  async createTransactionalProducer(transactionalId: string): Promise<PlatformaticTransactionalProducer> {
    if (this.#closed) throw clientClosed('createTransactionalProducer');
    const name = this.#clientName('txn-producer');
    const producer = new PlatformaticTransactionalProducer(
      this.#producerDeps(name, { timeout: this.#config.transactionTimeoutMs, transactionalId }),
      this.#logger.child({ transactionalId }),
      this.#config.transactionTimeoutMs,
    );
    return this.#opened(producer);
  }

  async createConsumer(options: ConsumerOptions): Promise<PlatformaticConsumer> {
    if (this.#closed) throw clientClosed('createConsumer');
    if (typeof options.groupId !== 'string' || options.groupId.length === 0) {
      throw new SluiceError('SLUICE_CONFIG_INVALID', 'consumer groupId must be a non-empty string', {
        subject: 'groupId',
      });
    }
    const name = options.clientId ?? this.#clientName(`consumer-${options.groupId}`);
    const { sessionTimeoutMs, groupInstanceId } = this.#config;
    const consumer = new PlatformaticConsumer({
      options: {
        ...this.#base(name),
        groupId: options.groupId,
        sessionTimeout: sessionTimeoutMs,
        rebalanceTimeout: Math.max(REBALANCE_TIMEOUT_MS, sessionTimeoutMs),
        heartbeatInterval: Math.max(100, Math.min(3_000, Math.floor(sessionTimeoutMs / 3))),
        ...(groupInstanceId === undefined ? {} : { groupInstanceId }),
      },
      name,
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
    if (this.#closed) {
      await consumer.close();
      throw clientClosed('createConsumer');
    }
    return consumer;
  }

  /** False once closed, and from a failed join, fetch or send until a client reaches a broker again. */
  isConnected(): boolean {
    return !this.#closed && this.#health.reachable;
  }

  /** Closes every consumer (leaving its group), then every producer, then the admin clients. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers].map((c) => c.close()));
    await Promise.all([...this.#producers].map((p) => p.close().catch(() => undefined)));
    await this.#admin?.close().catch(() => undefined);
  }

  /** Log-end offset per partition (the offset the next record gets). */
  endOffsets(topic: string): Promise<number[]> {
    return this.#topicAdmin().endOffsets(topic);
  }

  /** The group's committed offset per partition of `topic`, null where it never committed. */
  committedOffsets(groupId: string, topic: string): Promise<Array<number | null>> {
    return this.#topicAdmin().committedOffsets(groupId, topic);
  }

  /** An idempotent producer's settings (acks=all), with `extra` on top; the producer partitions itself. */
  #producerDeps(
    name: string,
    extra: Partial<ProducerOptions<Buffer, Buffer, Buffer, Buffer>> = {},
  ): PlatformaticProducerDeps {
    return {
      name,
      options: {
        ...this.#base(name),
        idempotent: true,
        acks: -1,
        compression: this.#compression,
        ...extra,
      },
      lingerMs: this.#config.lingerMs,
      health: this.#health,
      onClose: (p) => this.#producers.delete(p),
    };
  }

  #base(clientId: string): BaseOptions {
    return { ...this.#baseOptions, clientId };
  }

  #topicAdmin(): TopicAdmin {
    if (this.#closed) throw clientClosed('Kafka transport admin');
    this.#admin ??= new TopicAdmin(this.#base(this.#clientName('admin')), this.#logger, {
      replicationFactor: this.#options.replicationFactor ?? 1,
      timeoutMs: this.#config.requestTimeoutMs,
    });
    return this.#admin;
  }

  #clientName(role: string): string {
    return `${this.#config.clientId}-${role}-${++this.#clientSeq}`;
  }
}
