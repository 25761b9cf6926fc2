import { SluiceError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import type { ConsumerOptions, TopicSpec, Transport } from '../../types.ts';
import type { KafkaConfig } from '../kafka-config.ts';
import { TopicConfigReader } from '../topic-config-reader.ts';
import { BrokerHealth } from './broker-health.ts';
import { ConfluentConsumer } from './confluent-consumer.ts';
import { confluentClosed, toSluiceError } from './confluent-errors.ts';
import { ConfluentProducer } from './confluent-producer.ts';
import { ConfluentTransactionalProducer } from './confluent-transactional-producer.ts';
import { loadRdKafka } from './load-rdkafka.ts';
import type { RdKafkaLibrary, RdProducer } from './rdkafka-api.ts';
import {
  adminProperties,
  consumerProperties,
  consumerTopicProperties,
  producerMessageMaxBytes,
  producerProperties,
  producerTopicProperties,
  type RdKafkaProperties,
} from './rdkafka-config.ts';
import type { RdRecordMapper } from './record-mapping.ts';
import { TopicAdmin } from './topic-admin.ts';

/** Options beyond the shared `transport.kafka` config. */
export interface ConfluentTransportOptions {
  /** Replication factor of the topics `ensureTopics` creates. Default 1 (single-broker clusters). */
  replicationFactor?: number;
  /** Where to import the client from; tests point it elsewhere. Default `@confluentinc/kafka-javascript`. */
  librarySpecifier?: string;
  /** Maps each fetched message to the engine's record; tests pass one that fails. */
  mapRecord?: RdRecordMapper;
}

/**
 * The Kafka transport on @confluentinc/kafka-javascript's node-rdkafka API (librdkafka). The
 * library loads on first use (`open()` loads it eagerly): where it is missing, that call throws a
 * ConfigError naming `transport.kafka.client` with the fix. Besides the Transport contract it
 * offers read-only inspection for tests and the load generator.
 */
export class ConfluentTransport implements Transport {
  readonly kind = 'kafka' as const;
  readonly #config: KafkaConfig;
  readonly #logger: Logger;
  readonly #options: ConfluentTransportOptions;
  readonly #health: BrokerHealth;
  readonly #consumers = new Set<ConfluentConsumer>();
  readonly #producers = new Set<ConfluentProducer>();
  #library: Promise<RdKafkaLibrary> | undefined;
  #admin: TopicAdmin | undefined;
  #configReader: TopicConfigReader | undefined;
  #clientSeq = 0;
  #closed = false;

  constructor(config: KafkaConfig, logger: Logger, options: ConfluentTransportOptions = {}) {
    if (config.brokers.length === 0) {
      throw new SluiceError(
        'SLUICE_CONFIG_INVALID',
        'transport.kafka.brokers: empty; set KAFKA_BROKERS=host:port',
        {
          subject: 'transport.kafka.brokers',
        },
      );
    }
    this.#config = config;
    this.#logger = logger.child({ transport: 'kafka', client: 'confluent' });
    this.#options = options;
    this.#health = new BrokerHealth(this.#logger);
  }

  /** Loads the native client now, so a missing one fails at startup rather than at first use. */
  async open(): Promise<this> {
    const lib = await this.#lib();
    this.#logger.debug({ librdkafka: lib.librdkafkaVersion }, 'Confluent Kafka client loaded');
    return this;
  }

  async ensureTopics(specs: TopicSpec[]): Promise<void> {
    await (await this.#topicAdmin()).ensure(specs);
  }

  /** Through a kafkajs admin client: the Confluent client has no DescribeConfigs (see TopicConfigReader). */
  describeTopicConfigs(topic: string): Promise<Readonly<Record<string, string>>> {
    if (this.#closed) return Promise.reject(confluentClosed('describeTopicConfigs'));
    this.#configReader ??= new TopicConfigReader(this.#config, this.#logger);
    return this.#configReader.describe(topic);
  }

  producerMaxRecordBytes(): number {
    return producerMessageMaxBytes(this.#config);
  }

  async createProducer(): Promise<ConfluentProducer> {
    const name = this.#clientName('producer');
    const client = await this.#connectProducer(name, {});
    const producer = new ConfluentProducer(client, this.#health, this.#logger, (p) =>
      this.#producers.delete(p),
    );
    this.#producers.add(producer);
    return producer;
  }

  async createTransactionalProducer(transactionalId: string): Promise<ConfluentTransactionalProducer> {
    const name = this.#clientName('txn-producer');
    const client = await this.#connectProducer(name, {
      'transactional.id': transactionalId,
      'transaction.timeout.ms': this.#config.transactionTimeoutMs,
      // librdkafka refuses a socket timeout longer than the transaction's.
      'socket.timeout.ms': Math.min(this.#config.requestTimeoutMs, this.#config.transactionTimeoutMs),
    });
    const producer = new ConfluentTransactionalProducer(
      client,
      this.#health,
      this.#logger.child({ transactionalId }),
      this.#config.requestTimeoutMs,
      (p) => this.#producers.delete(p),
    );
    this.#producers.add(producer);
    try {
      await producer.begin();
    } catch (error) {
      await producer.close();
      throw error;
    }
    return producer;
  }

  async #connectProducer(name: string, extra: RdKafkaProperties): Promise<RdProducer> {
    const lib = await this.#lib();
    const client = new lib.Producer(
      { ...producerProperties(this.#config), 'client.id': name, dr_cb: true, ...extra },
      producerTopicProperties(this.#config),
    );
    this.#health.watch(client, name);
    try {
      await this.#health.raceAuth(
        new Promise<void>((resolve, reject) =>
          client.connect({ allTopics: false, timeout: this.#config.requestTimeoutMs }, (err) =>
            err ? reject(toSluiceError(err, `producer ${name}: cannot connect to Kafka`)) : resolve(),
          ),
        ),
      );
    } catch (error) {
      this.#health.forget(client);
      throw error;
    }
    if (this.#closed) {
      client.disconnect(() => undefined);
      this.#health.forget(client);
      throw confluentClosed('createProducer');
    }
    return client;
  }

  async createConsumer(options: ConsumerOptions): Promise<ConfluentConsumer> {
    if (typeof options.groupId !== 'string' || options.groupId.length === 0) {
      throw new SluiceError('SLUICE_CONFIG_INVALID', 'consumer groupId must be a non-empty string', {
        subject: 'groupId',
      });
    }
    const lib = await this.#lib();
    const props = consumerProperties(this.#config, options);
    const name = this.#clientName(`consumer-${options.groupId}`);
    const consumer = new ConfluentConsumer({
      createClient: (rebalanceCb) =>
        new lib.KafkaConsumer(
          { ...props, 'client.id': options.clientId ?? name, rebalance_cb: rebalanceCb },
          consumerTopicProperties(options),
        ),
      listener: options.rebalance,
      health: this.#health,
      logger: this.#logger.child({ group: options.groupId }),
      cooperative: String(props['partition.assignment.strategy']).includes('cooperative'),
      requestTimeoutMs: this.#config.requestTimeoutMs,
      onClose: (c) => this.#consumers.delete(c),
      mapRecord: this.#options.mapRecord,
    });
    await consumer.connect(name);
    this.#consumers.add(consumer);
    if (this.#closed) {
      await consumer.close();
      throw confluentClosed('createConsumer');
    }
    return consumer;
  }

  /** False once closed, and while a client reports all brokers down (until one reaches a broker again). */
  isConnected(): boolean {
    return !this.#closed && this.#health.connected;
  }

  /** Closes every consumer (leaving its group), flushes and closes every producer, then the admin client. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers].map((c) => c.close()));
    await Promise.all([...this.#producers].map((p) => p.close()));
    this.#admin?.close();
    await this.#configReader?.close();
    this.#health.close();
  }

  // Inspection: read-only views for tests, metrics and the load generator.

  /** Log-end offset per partition (the offset the next record gets). */
  async endOffsets(topic: string): Promise<number[]> {
    return (await this.#topicAdmin()).endOffsets(topic);
  }

  /** The group's committed offset per partition of `topic`, null where it never committed. */
  async committedOffsets(groupId: string, topic: string): Promise<Array<number | null>> {
    const admin = await this.#topicAdmin();
    const partitions = (await admin.endOffsets(topic)).length;
    return admin.committedOffsets(groupId, topic, partitions);
  }

  #lib(): Promise<RdKafkaLibrary> {
    if (this.#closed) return Promise.reject(confluentClosed('Kafka transport'));
    this.#library ??= loadRdKafka(this.#options.librarySpecifier);
    return this.#library;
  }

  async #topicAdmin(): Promise<TopicAdmin> {
    const lib = await this.#lib();
    this.#admin ??= new TopicAdmin(lib, adminProperties(this.#config), this.#logger, {
      replicationFactor: this.#options.replicationFactor ?? 1,
      timeoutMs: this.#config.requestTimeoutMs,
      health: this.#health,
    });
    return this.#admin;
  }

  #clientName(role: string): string {
    return `${this.#config.clientId}-${role}-${++this.#clientSeq}`;
  }
}
