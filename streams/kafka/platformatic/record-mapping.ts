import type { KafkaRecord, RecordsBatch } from '@platformatic/kafka';
import { emptyHeaders, NO_HEADERS } from '../../record-headers.ts';
import type { InputRecord, RecordHeaders } from '../../types.ts';

// Record batch attribute bit 3: the batch's timestamps are the broker's append time (LogAppendTime).
const LOG_APPEND_TIME = 0x08;

/** Turns one fetched record into the engine's record; may throw on a malformed one (tests pass one that fails). */
export type PlatformaticRecordMapper = typeof toInputRecord;

/**
 * What the engine gets for a record that failed to map on every attempt: its raw key and value, no
 * headers, and the reason, so the decode stage dead-letters it and the partition moves on.
 */
export function unreadableRecord(
  topic: string,
  partition: number,
  batch: RecordsBatch,
  baseOffset: number,
  record: KafkaRecord,
  reason: string,
): InputRecord {
  return {
    topic,
    partition,
    offset: baseOffset + record.offsetDelta,
    key: Buffer.isBuffer(record.key) ? record.key : null,
    value: Buffer.isBuffer(record.value) ? record.value : null,
    headers: NO_HEADERS,
    timestampMs: Number(batch.firstTimestamp),
    unreadable: reason,
  };
}

/**
 * One fetched record as the engine reads it. Offsets come from the batch's bigint base plus the
 * record's delta (exact up to 2^53). Under LogAppendTime every record of a batch carries the
 * batch's max timestamp, as Kafka's Java consumer reports it.
 */
export function toInputRecord(
  topic: string,
  partition: number,
  batch: RecordsBatch,
  baseOffset: number,
  record: KafkaRecord,
): InputRecord {
  const timestampMs =
    batch.attributes & LOG_APPEND_TIME
      ? Number(batch.maxTimestamp)
      : Number(batch.firstTimestamp + record.timestampDelta);
  return {
    topic,
    partition,
    offset: baseOffset + record.offsetDelta,
    key: record.key,
    value: record.value,
    headers: record.headers.length === 0 ? NO_HEADERS : toRecordHeaders(record.headers),
    timestampMs,
  };
}

/**
 * Header pairs as the wire has them (a name may repeat; a name or value may be null). Sluice keeps
 * one Buffer per name, the last, as Java's `lastHeader()` and the other adapters do. A null name
 * is the empty name; a null value the empty value. Names decode as UTF-8, as every client does.
 */
export function toRecordHeaders(pairs: ReadonlyArray<[Buffer | null, Buffer | null]>): RecordHeaders {
  const out = emptyHeaders();
  for (const [name, value] of pairs)
    out[name === null ? '' : name.toString('utf8')] = value ?? Buffer.alloc(0);
  return out;
}
