import { kafkaPartitionForKey } from '../murmur2.ts';
import { emptyHeaders, headerBytes, NO_HEADERS } from '../record-headers.ts';
import type { OutgoingRecord, ProducerClient, RecordHeaders } from '../types.ts';
import type { TopicRegistry } from './topic-registry.ts';
import { recordTooLarge, transportClosed, unknownPartition } from './transport-errors.ts';

// Null-key records stick to one partition for a send() call (like Kafka's sticky partitioner
// filling a batch) but move on after this many, so one huge send still spreads out.
const STICKY_RECORDS = 1024;

/**
 * The embedded broker's producer; sinks and the in-process load generator call `send`. Records are
 * appended synchronously before `send` resolves. Keys and values are stored by reference, not
 * copied: callers must not mutate a Buffer after sending it.
 */
export class EmbeddedProducer implements ProducerClient {
  readonly #registry: TopicRegistry;
  readonly #onClose: (producer: EmbeddedProducer) => void;
  /** Next sticky partition per topic, for records with neither key nor partition. */
  readonly #sticky = new Map<string, number>();
  #closed = false;

  constructor(registry: TopicRegistry, onClose: (producer: EmbeddedProducer) => void) {
    this.#registry = registry;
    this.#onClose = onClose;
  }

  async send(topic: string, records: OutgoingRecord[]): Promise<void> {
    this.sendSync(topic, records);
  }

  /**
   * `send` without the promise, for the in-process load generator. All-or-nothing: an invalid
   * partition, or a record over the topic's `max.message.bytes`, anywhere in the batch throws
   * before any record is appended.
   */
  sendSync(topic: string, records: readonly OutgoingRecord[]): void {
    if (this.#closed) throw transportClosed(`producer.send to "${topic}"`);
    const logs = this.#registry.logs(topic);
    const partitions = logs.length;
    const maxBytes = this.#registry.maxMessageBytes(topic);
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const p = record.partition;
      if (p !== undefined && !(Number.isInteger(p) && p >= 0 && p < partitions)) {
        throw unknownPartition(topic, p, partitions);
      }
      // Values alone first: the common case never looks at keys or headers.
      if ((record.value?.length ?? 0) > maxBytes >> 1) {
        const bytes = recordBytes(record);
        if (bytes > maxBytes) throw recordTooLarge(topic, bytes, maxBytes);
      }
    }
    const now = Date.now();
    let sticky = -1;
    let stickyUsed = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const rawKey = record.key;
      const key = rawKey == null ? null : typeof rawKey === 'string' ? Buffer.from(rawKey, 'utf8') : rawKey;
      let p = record.partition;
      if (p === undefined) {
        if (key !== null) p = kafkaPartitionForKey(key, partitions);
        else {
          if (sticky < 0) sticky = (this.#sticky.get(topic) ?? 0) % partitions;
          else if (stickyUsed === STICKY_RECORDS) {
            sticky = (sticky + 1) % partitions;
            stickyUsed = 0;
          }
          stickyUsed++;
          p = sticky;
        }
      }
      const headers = record.headers === undefined ? NO_HEADERS : toHeaderBuffers(record.headers);
      logs[p]!.append(key, record.value ?? null, headers, record.timestampMs ?? now);
    }
    if (sticky >= 0) this.#sticky.set(topic, sticky + 1);
    for (let p = 0; p < partitions; p++) logs[p]!.notifyAppended();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClose(this);
  }
}

/** Bytes of a record as a broker counts them against max.message.bytes (without batch framing). */
function recordBytes(record: OutgoingRecord): number {
  let bytes = (record.value?.length ?? 0) + (record.key == null ? 0 : Buffer.byteLength(record.key));
  if (record.headers)
    for (const name of Object.keys(record.headers)) {
      const value = record.headers[name];
      if (value !== undefined) bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
    }
  return bytes;
}

function toHeaderBuffers(headers: Record<string, Buffer | string>): RecordHeaders {
  // Always a copy: the caller may reuse its headers object for the next record.
  const out = emptyHeaders();
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value === undefined) continue;
    out[name] = headerBytes(value);
  }
  return out;
}
