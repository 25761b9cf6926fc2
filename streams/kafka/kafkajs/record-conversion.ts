import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { InputRecord, OutgoingRecord, RecordHeaders } from '../../types.ts';
import { headerBytes, NO_HEADERS } from '../record-headers.ts';

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
 * kafkajs decodes header values as Buffers, but types them as Buffer | string | arrays (a name
 * repeated on the wire becomes an array). Sluice keeps one Buffer per name: the last, as Java's
 * `lastHeader()` and the Confluent adapter do.
 */
export function toRecordHeaders(headers: IHeaders): RecordHeaders {
  let out: RecordHeaders | undefined;
  for (const name in headers) {
    let value = headers[name];
    if (Array.isArray(value)) value = value[value.length - 1];
    if (value === undefined) continue;
    out ??= {};
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
