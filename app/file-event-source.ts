import { accessSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError, errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import type { EventContract } from '../processors/decode/index.ts';
import type { OutgoingRecord, ProducerClient, Transport } from '../streams/index.ts';
import { readEventFile } from './event-files/read-event-file.ts';

/** Settings of a file replay (config keys `generator.file`, `ratePerSecond`, `loop`, `maxEvents`). */
export interface FileEventSourceOptions {
  transport: Transport;
  topic: string;
  file: string;
  contract: EventContract;
  ratePerSecond: number;
  /** Start again from the first line at the end of the file. */
  loop: boolean;
  /** Stop after this many events; 0: at the end of the file (or never, with `loop`). */
  maxEvents: number;
  logger: Logger;
}

const TICK_MS = 10;
const BAD_LINES_LOGGED = 20;

/**
 * Publishes the events of a JSONL or CSV file to the events topic at a steady rate, like an
 * external producer would: Avro of the contract's schema, keyed by its key field. The file is
 * streamed, never held whole; a line that is not an event of the schema is logged with its number
 * and skipped. `npm start` runs it in place of the built-in generator when `generator.file` is set.
 */
export class FileEventSource {
  readonly #options: FileEventSourceOptions;
  #producer: ProducerClient | undefined;
  #running: Promise<void> = Promise.resolve();
  #stopped = false;
  produced = 0;
  badLines = 0;

  constructor(options: FileEventSourceOptions) {
    this.#options = options;
  }

  async start(): Promise<void> {
    try {
      accessSync(this.#options.file);
    } catch (error) {
      throw new ConfigError('SLUICE_CONFIG_FILE_UNREADABLE', `generator.file: ${errorMessage(error)}`, {
        subject: 'generator.file',
      });
    }
    this.#producer = await this.#options.transport.createProducer();
    const { topic, file, ratePerSecond, loop } = this.#options;
    this.#options.logger.info({ topic, file, ratePerSecond, loop }, 'replaying events from a file');
    this.#running = this.#run().catch((error: unknown) =>
      this.#options.logger.error({ err: error, file }, 'file replay stopped'),
    );
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#running;
    await this.#producer?.close();
  }

  async #run(): Promise<void> {
    const { file, contract, ratePerSecond, loop, maxEvents, logger } = this.#options;
    const started = Date.now();
    // Events the clock allows beyond those already sent.
    const due = () => Math.floor(((Date.now() - started) / 1000) * ratePerSecond) - this.produced;
    let pass = 0;
    do {
      pass++;
      let batch: OutgoingRecord[] = [];
      for await (const line of readEventFile(file, contract.codec.type)) {
        if (this.#stopped) return;
        if ('error' in line) {
          if (pass === 1 && ++this.badLines <= BAD_LINES_LOGGED)
            logger.warn(
              { file, line: line.lineNo, reason: line.error },
              'skipping a line that is not an event',
            );
          continue;
        }
        batch.push({
          key: line.event[contract.keyField] as string,
          value: contract.codec.encode(line.event),
        });
        if (maxEvents > 0 && this.produced + batch.length >= maxEvents) break;
        // Fill up to what the clock allows, send, then wait while the clock is behind.
        if (batch.length < due()) continue;
        await this.#send(batch);
        batch = [];
        while (!this.#stopped && due() <= 0) await sleep(TICK_MS);
      }
      await this.#send(batch);
      if (pass === 1 && this.badLines > 0)
        logger.warn({ file, badLines: this.badLines }, 'lines skipped in the file');
    } while (loop && !this.#stopped && !(maxEvents > 0 && this.produced >= maxEvents));
    logger.info({ file, produced: this.produced }, 'file replay finished');
  }

  async #send(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    this.produced += records.length;
    try {
      await this.#producer!.send(this.#options.topic, records);
    } catch (error) {
      this.#options.logger.warn({ err: error }, 'file replay could not publish; events dropped');
    }
  }
}
