import { setTimeout as sleep } from 'node:timers/promises';
import type { Message, MessageToProduce, Producer } from '@platformatic/kafka';

type Transaction = Awaited<ReturnType<Producer['beginTransaction']>>;

import { errorMessage, SluiceError } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import type { ConsumerClient, TopicPartitionOffset, TransactionalProducerClient } from '../../types.ts';
import { PlatformaticConsumer } from './platformatic-consumer.ts';
import { describe, hasApiError } from './platformatic-errors.ts';
import { PlatformaticProducer, type PlatformaticProducerDeps } from './platformatic-producer.ts';

/**
 * @platformatic/kafka's transactional producer. A transaction is always open between commits, so
 * the engine's sends need no begin call; `commitTransaction` adds the input offsets and commits,
 * then opens the next one. The offsets go with the consumer's group generation and member id
 * (KIP-447), so the coordinator refuses them once the group moved on; the consumer's own ownership
 * check runs first as well. Opening the first transaction fences older producers with the same
 * transactional id. Any failure aborts and rejects; the engine stops, and a restart re-reads from
 * the last committed offsets.
 */
export class PlatformaticTransactionalProducer
  extends PlatformaticProducer
  implements TransactionalProducerClient
{
  readonly #logger: Logger;
  #transaction: Transaction | undefined;

  readonly #transactionTimeoutMs: number;

  constructor(deps: PlatformaticProducerDeps, logger: Logger, transactionTimeoutMs: number) {
    super(deps);
    this.#logger = logger;
    this.#transactionTimeoutMs = transactionTimeoutMs;
  }

  /** Finds the coordinator, fences older producers of this id and opens the first transaction. */
  override async connect(): Promise<void> {
    await this.begin();
  }

  /**
   * While the coordinator still aborts a fenced predecessor's transaction it answers
   * CONCURRENT_TRANSACTIONS (or, moving, NOT_COORDINATOR / COORDINATOR_LOAD_IN_PROGRESS): asked
   * again until the transaction timeout, as Java's producer does.
   */
  async begin(): Promise<void> {
    const deadline = Date.now() + this.#transactionTimeoutMs;
    for (;;) {
      try {
        // -1/-1: a new producer (KIP-360). The client's default 0/0 claims producer 0, which the
        // coordinator fences once this id has a history (after a restart).
        this.#transaction = await this.producer.beginTransaction({ producerId: -1n, producerEpoch: -1 });
        return;
      } catch (error) {
        if (!BEGIN_AGAIN.some((id) => hasApiError(error, id)) || Date.now() > deadline) {
          throw transactionFailed('beginning a transaction', error);
        }
        await sleep(BEGIN_RETRY_MS);
      }
    }
  }

  async commitTransaction(offsets: TopicPartitionOffset[], consumer: ConsumerClient): Promise<void> {
    if (!(consumer instanceof PlatformaticConsumer)) {
      throw new SluiceError(
        'SLUICE_TRANSACTION_FAILED',
        'commitTransaction needs a consumer of the same platformatic transport',
      );
    }
    await this.sent();
    const transaction = this.#open();
    try {
      const refused = consumer.commitRefusal(offsets);
      if (refused) throw refused;
      if (offsets.length > 0) {
        const client = consumer.client;
        await this.#step('adding the consumer group to the transaction', () =>
          transaction.addConsumer(client),
        );
        const member = {
          groupId: client.groupId,
          generationId: client.generationId,
          memberId: client.memberId ?? '',
          coordinatorId: client.coordinatorId ?? -1,
        };
        // One TxnOffsetCommit per partition; the client merges concurrent ones into one, so in turn.
        for (const { topic, partition, offset } of offsets) {
          const position = { topic, partition, offset: BigInt(offset - 1), metadata: { consumer: member } };
          await this.#step(`adding the offset of ${topic}[${partition}]`, () =>
            transaction.addOffset(position as unknown as Message),
          );
        }
      }
      await this.#step('committing the transaction', () => transaction.commit());
    } catch (error) {
      this.#transaction = undefined;
      await transaction
        .abort()
        .catch((abortError: unknown) =>
          this.#logger.warn({ err: abortError }, 'Kafka transaction abort failed'),
        );
      throw error instanceof SluiceError && error.code === 'SLUICE_TRANSACTION_FAILED'
        ? error
        : transactionFailed('committing the transaction', error);
    }
    await this.begin();
  }

  protected override async deliver(messages: MessageToProduce[]): Promise<void> {
    await this.#open().send({ messages });
  }

  #open(): Transaction {
    if (!this.#transaction || this.#transaction.completed) {
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

const BEGIN_AGAIN = ['CONCURRENT_TRANSACTIONS', 'COORDINATOR_LOAD_IN_PROGRESS', 'NOT_COORDINATOR'];
const BEGIN_RETRY_MS = 100;

function transactionFailed(what: string, error: unknown): SluiceError {
  const reason = error instanceof SluiceError ? errorMessage(error) : describe(error);
  return new SluiceError('SLUICE_TRANSACTION_FAILED', `Kafka transaction: ${what} failed: ${reason}`, {
    cause: error,
  });
}
