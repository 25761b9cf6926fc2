import type { InputRecord, RecordHeaders, TopicPartition } from '../../types.ts';
import type { RdMessage, RdTopicPartition } from './rdkafka-api.ts';

// Shared by every header-less record, frozen as in the embedded transport: code that mutates a
// consumed record's headers fails loudly instead of corrupting other records.
const NO_HEADERS: RecordHeaders = Object.freeze({}) as RecordHeaders;

/** A consumed librdkafka message as the engine sees it. */
export function toInputRecord(message: RdMessage): InputRecord {
  const key = message.key;
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: key == null ? null : typeof key === 'string' ? Buffer.from(key, 'utf8') : key,
    value: message.value ?? null,
    headers: message.headers && message.headers.length > 0 ? toHeaderRecord(message.headers) : NO_HEADERS,
    timestampMs: message.timestamp ?? -1,
  };
}

/** librdkafka's header list (one-key objects, repeats allowed) as a record; the last value of a name wins. */
export function toHeaderRecord(list: ReadonlyArray<Record<string, Buffer | string>>): RecordHeaders {
  const out: RecordHeaders = {};
  for (const header of list) {
    for (const name in header) {
      const value = header[name]!;
      out[name] = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    }
  }
  return out;
}

/** Outgoing headers in librdkafka's list form. */
export function toHeaderList(
  headers: Record<string, Buffer | string>,
): Array<Record<string, Buffer | string>> {
  const list: Array<Record<string, Buffer | string>> = [];
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined) list.push({ [name]: value });
  }
  return list;
}

/** Plain {topic, partition} copies, safe to hand to listeners and the library. */
export function toTopicPartitions(list: readonly RdTopicPartition[]): TopicPartition[] {
  return list.map((tp) => ({ topic: tp.topic, partition: tp.partition }));
}
