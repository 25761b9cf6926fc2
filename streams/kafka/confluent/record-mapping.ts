import { emptyHeaders, headerBytes, NO_HEADERS } from '../../record-headers.ts';
import type { InputRecord, RecordHeaders, TopicPartition } from '../../types.ts';
import type { RdMessage, RdTopicPartition } from './rdkafka-api.ts';

// A header name like any other here: `out` has no prototype, so this creates an own property.
const PROTO_HEADER = '__proto__';

/** Turns one consumed librdkafka message into the engine's record; may throw on a malformed message. */
export type RdRecordMapper = (message: RdMessage) => InputRecord;

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

/**
 * librdkafka's header list (one-key objects, repeats allowed) as a record; the last value of a
 * name wins. The binding builds each one-key object by assignment, so a header named `__proto__`
 * arrives as an object with no own key whose prototype is the value: it is read back from there.
 * Only own keys are read, never inherited ones.
 */
export function toHeaderRecord(list: ReadonlyArray<Record<string, unknown>>): RecordHeaders {
  const out = emptyHeaders();
  for (const header of list) {
    const names = Object.keys(header);
    if (names.length === 0) {
      const proto: unknown = Object.getPrototypeOf(header);
      if (Buffer.isBuffer(proto)) out[PROTO_HEADER] = proto;
      continue;
    }
    for (const name of names) out[name] = headerBytes(header[name]);
  }
  return out;
}

/**
 * What the engine gets for a message that failed to map on every attempt: its raw key and value,
 * no headers, and the reason, so the decode stage dead-letters it and the partition moves on.
 */
export function unreadableRecord(message: RdMessage, reason: string): InputRecord {
  const key = message.key;
  return {
    topic: message.topic,
    partition: message.partition,
    offset: message.offset,
    key: Buffer.isBuffer(key) ? key : typeof key === 'string' ? Buffer.from(key, 'utf8') : null,
    value: Buffer.isBuffer(message.value) ? message.value : null,
    headers: NO_HEADERS,
    timestampMs: typeof message.timestamp === 'number' ? message.timestamp : -1,
    unreadable: reason,
  };
}

/** Outgoing headers in librdkafka's list form. */
export function toHeaderList(
  headers: Record<string, Buffer | string>,
): Array<Record<string, Buffer | string>> {
  const list: Array<Record<string, Buffer | string>> = [];
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value !== undefined) list.push({ [name]: value });
  }
  return list;
}

/** Plain {topic, partition} copies, safe to hand to listeners and the library. */
export function toTopicPartitions(list: readonly RdTopicPartition[]): TopicPartition[] {
  return list.map((tp) => ({ topic: tp.topic, partition: tp.partition }));
}
