import { errorMessage, SluiceError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import type { ConsumerClient, TopicPartitionOffset, TransactionalProducerClient } from '../../types.ts';
import type { BrokerHealth } from './broker-health.ts';
import { ConfluentConsumer } from './confluent-consumer.ts';
import { ConfluentProducer } from './confluent-producer.ts';
import type { RdKafkaError, RdProducer } from './rdkafka-api.ts';

type Step = (cb: (err: RdKafkaError | null | undefined) => void) => unknown;

/**
 * librdkafka's transactional producer. A transaction is always open between commits, so the
 * engine's sends need no begin call; `commitTransaction` adds the input offsets with the consumer's
 * group metadata (KIP-447 fencing), commits, and begins the next one. Any failure aborts the
 * transaction and rejects: the engine stops, and a restart re-reads from the last committed offsets.
 */
export class ConfluentTransactionalProducer extends ConfluentProducer implements TransactionalProducerClient {
  readonly #client: RdProducer;
  readonly #timeoutMs: number;
  readonly #logger: Logger;

  constructor(
    client: RdProducer,
    health: BrokerHealth,
    logger: Logger,
    timeoutMs: number,
    onClose: (p: ConfluentProducer) => void,
  ) {
    super(client, health, logger, onClose);
    this.#client = client;
    this.#timeoutMs = timeoutMs;
    this.#logger = logger;
  }

  /** Fences earlier producers with the same transactional.id (aborting their open transaction) and opens the first transaction. */
  async begin(): Promise<void> {
    await this.#step('initialising transactions', (cb) => this.#client.initTransactions(this.#timeoutMs, cb));
    await this.#step('beginning a transaction', (cb) => this.#client.beginTransaction(cb));
  }

  async commitTransaction(offsets: TopicPartitionOffset[], consumer: ConsumerClient): Promise<void> {
    if (!(consumer instanceof ConfluentConsumer)) {
      throw new SluiceError(
        'SLUICE_TRANSACTION_FAILED',
        'commitTransaction needs a consumer of the same Confluent transport',
      );
    }
    try {
      if (offsets.length > 0) {
        await this.#step('adding input offsets to the transaction', (cb) =>
          this.#client.sendOffsetsToTransaction(
            offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset })),
            consumer.nativeClient(),
            this.#timeoutMs,
            cb,
          ),
        );
      }
      await this.#step('committing the transaction', (cb) =>
        this.#client.commitTransaction(this.#timeoutMs, cb),
      );
    } catch (error) {
      await this.#step('aborting the transaction', (cb) =>
        this.#client.abortTransaction(this.#timeoutMs, cb),
      ).catch((abortError: unknown) =>
        this.#logger.warn({ err: abortError }, 'Kafka transaction abort failed'),
      );
      throw error;
    }
    await this.#step('beginning a transaction', (cb) => this.#client.beginTransaction(cb));
  }

  #step(what: string, step: Step): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const done = (err: RdKafkaError | null | undefined) => {
        if (!err) resolve();
        else
          reject(
            new SluiceError(
              'SLUICE_TRANSACTION_FAILED',
              `Kafka transaction: ${what} failed: ${errorMessage(err)}`,
              { cause: err },
            ),
          );
      };
      try {
        step(done);
      } catch (error) {
        done(error as RdKafkaError);
      }
    });
  }
}
