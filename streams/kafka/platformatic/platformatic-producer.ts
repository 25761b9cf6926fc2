import { type MessageToProduce, Producer, type ProducerOptions } from '@platformatic/kafka';
import { murmur2, toPositive } from '../../murmur2.ts';
import type { OutgoingRecord, ProducerClient } from '../../types.ts';
import type { ConnectionHealth } from '../connection-health.ts';
import { OrderedSendQueue } from '../ordered-send-queue.ts';
import { useOwnProduceEncoding } from './own-produce-encoding.ts';
import { clientClosed, isConnectionFailure, sendFailed, toSluiceError } from './platformatic-errors.ts';
import { toPlatformaticMessage } from './record-mapping.ts';

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
 * Java's DefaultPartitioner for keyed records (murmur2, made positive, modulo the partition count
 * the client applies), so keys land where the other adapters and the embedded broker put them;
 * keyless records go round robin.
 */
export function javaCompatiblePartitioner(): (message: MessageToProduce, key: Buffer | undefined) => number {
  let next = 0;
  return (_message, key) => (key ? toPositive(murmur2(key)) : next++ & 0x7fffffff);
}

/**
 * The @platformatic/kafka producer behind the Transport's `ProducerClient`. Idempotent, acks=all.
 * One request at a time, in call order (OrderedSendQueue): with idempotence on, two concurrent sends
 * to a partition came back OUT_OF_ORDER_SEQUENCE_NUMBER from the broker (1.35.0), and one at a time
 * is what keeps records of a key in hand-over order anyway. `send` resolves once the broker
 * acknowledged every record and rejects with a SluiceError naming the topic after the client's
 * bounded retries.
 */
export class PlatformaticProducer implements ProducerClient {
  protected readonly producer: Producer<Buffer, Buffer, Buffer, Buffer>;
  readonly #deps: PlatformaticProducerDeps;
  readonly #queue: OrderedSendQueue<OutgoingRecord>;
  #closed = false;

  constructor(deps: PlatformaticProducerDeps) {
    this.#deps = deps;
    this.producer = new Producer(deps.options);
    useOwnProduceEncoding(this.producer);
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
    const messages = new Array<MessageToProduce>(records.length);
    for (let i = 0; i < records.length; i++) messages[i] = toPlatformaticMessage(topic, records[i]!);
    await this.deliver(messages);
  }

  /** Sends one request's messages; the transactional producer sends them inside its transaction. */
  protected async deliver(messages: MessageToProduce[]): Promise<void> {
    await this.producer.send({ messages });
  }
}
