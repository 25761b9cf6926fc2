import { statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AvroCodec } from '../../schemas/index.ts';
import type { OutgoingRecord, ProducerClient } from '../../streams/index.ts';
import { readEventFile } from '../event-files/read-event-file.ts';

export interface PublishOptions {
  file: string;
  topic: string;
  codec: AvroCodec<object>;
  keyField: string;
  producer: ProducerClient;
  /** Events per second; 0: as fast as the broker takes them. */
  ratePerSecond: number;
  /** Wraps an Avro body in the Confluent wire format (with a schema registry). */
  frame?: ((body: Buffer) => Buffer) | undefined;
  onProgress?: (bytesRead: number, totalBytes: number, published: number, bad: number) => void;
}

export interface PublishSummary {
  published: number;
  badLines: Array<{ lineNo: number; reason: string }>;
  elapsedMs: number;
}

const BATCH = 500;

/**
 * Publishes each line of a JSONL or CSV file that is an event of the schema, keyed by its key
 * field, in file order (so per-key order is the file's), at most `ratePerSecond`. A line that is
 * not an event is kept aside with its number and the reason; the rest are published.
 */
export async function publishEventFile(options: PublishOptions): Promise<PublishSummary> {
  const { codec, keyField, producer, topic, ratePerSecond, frame } = options;
  const totalBytes = statSync(options.file).size;
  const started = Date.now();
  const badLines: PublishSummary['badLines'] = [];
  let published = 0;
  let bytes = 0;
  let batch: OutgoingRecord[] = [];
  const send = async () => {
    if (batch.length === 0) return;
    await producer.send(topic, batch);
    published += batch.length;
    batch = [];
    options.onProgress?.(bytes, totalBytes, published, badLines.length);
  };
  for await (const line of readEventFile(options.file, codec.type, (n) => {
    bytes = n;
  })) {
    if ('error' in line) {
      badLines.push({ lineNo: line.lineNo, reason: line.error });
      continue;
    }
    const key = line.event[keyField];
    if (typeof key !== 'string') {
      badLines.push({ lineNo: line.lineNo, reason: `key field "${keyField}" is not a string` });
      continue;
    }
    const body = codec.encode(line.event);
    batch.push({ key, value: frame ? frame(body) : body });
    const limit = ratePerSecond > 0 ? Math.max(1, Math.min(BATCH, Math.ceil(ratePerSecond / 100))) : BATCH;
    if (batch.length < limit) continue;
    await send();
    if (ratePerSecond > 0) {
      const aheadMs = (published / ratePerSecond) * 1000 - (Date.now() - started);
      if (aheadMs > 0) await sleep(aheadMs);
    }
  }
  await send();
  options.onProgress?.(totalBytes, totalBytes, published, badLines.length);
  return { published, badLines, elapsedMs: Date.now() - started };
}
