import { type MessageToProduce, Producer, type ProducerOptions } from '@platformatic/kafka';
import type { OutgoingRecord, ProducerClient } from '../../types.ts';
import type { ConnectionHealth } from '../connection-health.ts';
import { OrderedSendQueue } from '../ordered-send-queue.ts';
import { type OwnProduceEncoding, useOwnProduceEncoding } from './own-produce-encoding.ts';
import { JavaCompatiblePartitioner, type PartitionRun, partitionRuns } from './partition-runs.ts';
import { clientClosed, isConnectionFailure, sendFailed, toSluiceError } from './platformatic-errors.ts';

/** What the transport hands each producer it creates. */
export interface PlatformaticProducerDeps {
  name: string;
  options: ProducerOptions<Buffer, Buffer, Buffer, Buffer>;
  lingerMs: number;
  health: ConnectionHealth;
  onClose: (producer: PlatformaticProducer) => void;
}

// The client sends a request's records for a partition as one record batch and does not split it,
// so a request stays well under the broker's default message.max.bytes (1 MiB) even if every record
// lands on one partition.
const MAX_REQUEST_BYTES = 512 * 1024;
const MAX_REQUEST_RECORDS = 10_000;

/**
 * The @platformatic/kafka producer behind the Transport's `ProducerClient`. Idempotent, acks=all.
 * One request at a time, in call order (OrderedSendQueue): with idempotence on, two concurrent sends
 * to a partition came back OUT_OF_ORDER_SEQUENCE_NUMBER from the broker (1.35.0), and one at a time
 * is what keeps records of a key in hand-over order anyway. `send` resolves once the broker
 * acknowledged every record and rejects with a SluiceError naming the topic after the client's
 * bounded retries. Records are partitioned here and go to the client as one message per partition
 * (a `RecordRun`), which Sluice's own Produce encoder writes as the records.
 */
export class PlatformaticProducer implements ProducerClient {
  protected readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly #deps: PlatformaticProducerDeps;
  readonly #queue: OrderedSendQueue<OutgoingRecord>;
  readonly #encoding: OwnProduceEncoding;
  readonly #partitioner = new JavaCompatiblePartitioner();
  #closed = false;

  constructor(deps: PlatformaticProducerDeps) {
    this.#deps = deps;
    this.producer = new Producer(deps.options);
    this.#encoding = useOwnProduceEncoding(this.producer);
    this.#queue = new OrderedSendQueue<OutgoingRecord>((topic, records) => this.#request(topic, records), {
      lingerMs: deps.lingerMs,
      maxRequestBytes: MAX_REQUEST_BYTES,
      maxRequestRecords: MAX_REQUEST_RECORDS,
    });
  }

  /** Obtains the idempotent producer id, so a broker that cannot be reached fails here, not at the first send. */
  async connect(): Promise<void> {
    try {
      await this.producer.initIdempotentProducer({});
      this.#deps.health.markUp(this.#deps.name);
    } catch (error) {
      this.#deps.health.markDown(this.#deps.name, 'producer could not connect', error);
      throw toSluiceError(error, `producer ${this.#deps.name} connect`);
    }
  }

  async send(topic: string, records: OutgoingRecord[]): Promise<void> {
    if (this.#closed) throw clientClosed(`producer.send to "${topic}"`);
    if (records.length === 0) return;
    try {
      await this.#queue.send(topic, records);
      this.#deps.health.markUp(this.#deps.name);
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
      await this.producer.close();
    } finally {
      this.#deps.onClose(this);
    }
  }

  /** Resolves once every send so far is acknowledged (or failed). */
  protected sent(): Promise<void> {
    return this.#queue.idle();
  }

  /** One request of the ordered send queue. */
  async #request(topic: string, records: OutgoingRecord[]): Promise<void> {
    const metadata = await this.producer.metadata({ topics: [topic] });
    const partitionCount = metadata.topics.get(topic)?.partitionsCount ?? 0;
    if (partitionCount <= 0) throw new Error(`topic "${topic}" has no partitions in the cluster's metadata`);
    const runs = partitionRuns(topic, records, partitionCount, this.#partitioner);
    try {
      await this.deliver(runs as unknown as MessageToProduce[]);
    } catch (error) {
      const produced = (error as { produced?: { offsets?: PartitionRun[] } }).produced?.offsets;
      this.#encoding.acknowledged(runs, produced ?? []);
      throw error;
    }
    this.#encoding.acknowledged(runs);
  }

  /** Sends one request's messages; the transactional producer sends them inside its transaction. */
  protected async deliver(messages: MessageToProduce[]): Promise<void> {
    await this.producer.send({ messages });
  }
}
