import type { Logger } from '../core/logger.ts';
import { TransactionGenerator } from '../models/generator/index.ts';
import { codecs } from '../schemas/index.ts';
import type { OutgoingRecord, ProducerClient, Transport } from '../streams/index.ts';

/** Settings of the built-in generator (config key `generator`). */
export interface EventSourceOptions {
  transport: Transport;
  topic: string;
  ratePerSecond: number;
  seed: number;
  users: number;
  /** Stop after this many events; 0 runs until `stop`. */
  maxEvents: number;
  logger: Logger;
}

const TICK_MS = 10;

/**
 * Publishes generated transactions to the events topic at a steady rate, like an external producer
 * would: Avro bodies keyed by user id. `npm start` runs it so the pipeline has traffic with no setup.
 */
export class GeneratedEventSource {
  readonly #options: EventSourceOptions;
  readonly #generator: TransactionGenerator;
  #producer: ProducerClient | undefined;
  #timer: NodeJS.Timeout | undefined;
  #sending: Promise<void> = Promise.resolve();
  #startedAt = 0;
  produced = 0;

  constructor(options: EventSourceOptions) {
    this.#options = options;
    this.#generator = new TransactionGenerator({
      seed: options.seed,
      users: options.users,
      startTimeMs: Date.now(),
      eventsPerSecond: options.ratePerSecond,
    });
  }

  async start(): Promise<void> {
    this.#producer = await this.#options.transport.createProducer();
    this.#startedAt = Date.now();
    this.#timer = setInterval(() => this.#tick(), TICK_MS);
    this.#options.logger.info(
      { topic: this.#options.topic, ratePerSecond: this.#options.ratePerSecond },
      'built-in event generator started',
    );
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#sending;
    await this.#producer?.close();
  }

  #tick(): void {
    const { ratePerSecond, maxEvents } = this.#options;
    let due = Math.floor(((Date.now() - this.#startedAt) / 1000) * ratePerSecond) - this.produced;
    if (maxEvents > 0) due = Math.min(due, maxEvents - this.produced);
    if (due <= 0) {
      if (maxEvents > 0 && this.produced >= maxEvents) clearInterval(this.#timer);
      return;
    }
    const records: OutgoingRecord[] = new Array(due);
    const now = Date.now();
    for (let i = 0; i < due; i++) {
      const { event } = this.#generator.next();
      event.event_time = now;
      records[i] = { key: event.key, value: codecs.event.encode(event) };
    }
    this.produced += due;
    const producer = this.#producer!;
    this.#sending = this.#sending
      .then(() => producer.send(this.#options.topic, records))
      .catch((error: unknown) =>
        this.#options.logger.warn({ err: error }, 'built-in generator could not publish; events dropped'),
      );
  }
}
