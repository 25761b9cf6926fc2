import type { Kafka, Message, Transaction } from 'kafkajs';
import { errorMessage, SluiceError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import type { ConsumerClient, TopicPartitionOffset, TransactionalProducerClient } from '../../types.ts';
import { KafkajsConsumer } from './kafkajs-consumer.ts';
import {
  ACKS_ALL,
  IDEMPOTENT_PRODUCER,
  KafkajsProducer,
  type KafkajsProducerDeps,
} from './kafkajs-producer.ts';

/** Settings of the transactional producer beyond the plain producer's. */
export interface KafkajsTransactionOptions {
  transactionalId: string;
  /** The broker aborts a transaction open longer than this (`transport.kafka.transactionTimeoutMs`). */
  transactionTimeoutMs: number;
  logger: Logger;
}

/**
 * kafkajs's transactional producer. A transaction is always open between commits, so the engine's
 * sends need no begin call; `commitTransaction` adds the input offsets to it and commits, then
 * opens the next one. Connecting fences older producers with the same transactional id (aborting
 * their open transaction). kafkajs predates KIP-447 (it cannot send the group generation with the
 * offsets), so the consumer's own ownership check stands in: offsets of a partition kafkajs has
 * already handed to another member abort the transaction instead of committing. Any failure
 * aborts and rejects; the engine stops, and a restart re-reads from the last committed offsets.
 */
export class KafkajsTransactionalProducer extends KafkajsProducer implements TransactionalProducerClient {
  readonly #options: KafkajsTransactionOptions;
  #transaction: Transaction | undefined;

  constructor(kafka: Kafka, deps: KafkajsProducerDeps, options: KafkajsTransactionOptions) {
    super(kafka, deps, {
      ...IDEMPOTENT_PRODUCER,
      transactionalId: options.transactionalId,
      transactionTimeout: options.transactionTimeoutMs,
      // kafkajs requires one request in flight for a transactional producer.
      maxInFlightRequests: 1,
    });
    this.#options = options;
  }

  /** Opens the first transaction; the transport calls it once, after `connect`. */
  async begin(): Promise<void> {
    this.#transaction = await this.#step('beginning a transaction', () => this.producer.transaction());
  }

  async commitTransaction(offsets: TopicPartitionOffset[], consumer: ConsumerClient): Promise<void> {
    if (!(consumer instanceof KafkajsConsumer)) {
      throw new SluiceError(
        'SLUICE_TRANSACTION_FAILED',
        'commitTransaction needs a consumer of the same kafkajs transport',
      );
    }
    await this.sent();
    const transaction = this.#open();
    try {
      const refused = consumer.commitRefusal(offsets);
      if (refused) throw refused;
      if (offsets.length > 0) {
        await this.#step('adding input offsets to the transaction', () =>
          transaction.sendOffsets({ consumerGroupId: consumer.groupId, topics: byTopic(offsets) }),
        );
      }
      await this.#step('committing the transaction', () => transaction.commit());
    } catch (error) {
      this.#transaction = undefined;
      await transaction
        .abort()
        .catch((abortError: unknown) =>
          this.#options.logger.warn({ err: abortError }, 'Kafka transaction abort failed'),
        );
      throw error instanceof SluiceError && error.code === 'SLUICE_TRANSACTION_FAILED'
        ? error
        : transactionFailed('committing the transaction', error);
    }
    await this.begin();
  }

  protected override async request(topic: string, messages: Message[]): Promise<void> {
    await this.#open().send({ topic, messages, acks: ACKS_ALL, compression: this.compression });
  }

  #open(): Transaction {
    if (!this.#transaction?.isActive()) {
      throw new SluiceError(
        'SLUICE_TRANSACTION_FAILED',
        'Kafka transaction: none is open (the last commit failed); restart to resume from the committed offsets',
      );
    }
    return this.#transaction;
  }

  async #step<T>(what: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      throw transactionFailed(what, error);
    }
  }
}

function transactionFailed(what: string, error: unknown): SluiceError {
  return new SluiceError(
    'SLUICE_TRANSACTION_FAILED',
    `Kafka transaction: ${what} failed: ${errorMessage(error)}`,
    {
      cause: error,
    },
  );
}

function byTopic(offsets: readonly TopicPartitionOffset[]) {
  const out = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const { topic, partition, offset } of offsets) {
    const list = out.get(topic) ?? [];
    list.push({ partition, offset: String(offset) });
    out.set(topic, list);
  }
  return [...out].map(([topic, partitions]) => ({ topic, partitions }));
}
