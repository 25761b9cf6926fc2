import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { emptyHeaders, headerBytes, NO_HEADERS } from '../../record-headers.ts';
import type { InputRecord, OutgoingRecord, RecordHeaders } from '../../types.ts';

/** Turns one fetched kafkajs message into the engine's record; may throw on a malformed message. */
export type KafkajsRecordMapper = (topic: string, partition: number, message: KafkaMessage) => InputRecord;

/** A fetched kafkajs message as the engine reads it; the batch feeder calls it per message. */
export function toInputRecord(topic: string, partition: number, message: KafkaMessage): InputRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key ?? null,
    value: message.value ?? null,
    headers: message.headers === undefined ? NO_HEADERS : toRecordHeaders(message.headers),
    timestampMs: Number(message.timestamp),
  };
}

/**
 * What the engine gets for a message that failed to map on every attempt: its raw key and value,
 * no headers, and the reason, so the decode stage dead-letters it and the partition moves on.
 */
export function unreadableRecord(
  topic: string,
  partition: number,
  message: KafkaMessage,
  reason: string,
): InputRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: Buffer.isBuffer(message.key) ? message.key : null,
    value: Buffer.isBuffer(message.value) ? message.value : null,
    headers: NO_HEADERS,
    timestampMs: Number(message.timestamp),
    unreadable: reason,
  };
}

/**
 * kafkajs decodes header values as Buffers, but types them as Buffer | string | arrays (a name
 * repeated on the wire becomes an array; so does a first occurrence of a name that is an
 * `Object.prototype` property, since kafkajs reads the inherited value as an earlier one). Sluice
 * keeps one Buffer per name: the last, as Java's `lastHeader()` and the Confluent adapter do.
 */
export function toRecordHeaders(headers: IHeaders): RecordHeaders {
  let out: RecordHeaders | undefined;
  for (const name of Object.keys(headers)) {
    let value: unknown = headers[name];
    if (Array.isArray(value)) value = value[value.length - 1];
    if (value === undefined) continue;
    out ??= emptyHeaders();
    out[name] = headerBytes(value);
  }
  return out ?? NO_HEADERS;
}

/** An engine record as kafkajs sends it; without `partition` the murmur2 partitioner places it by key. */
export function toKafkaMessage(record: OutgoingRecord): Message {
  const message: Message = { key: record.key, value: record.value };
  if (record.partition !== undefined) message.partition = record.partition;
  if (record.headers !== undefined) message.headers = record.headers;
  if (record.timestampMs !== undefined) message.timestamp = String(record.timestampMs);
  return message;
}
