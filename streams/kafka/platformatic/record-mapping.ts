import { emptyHeaders, NO_HEADERS } from '../../record-headers.ts';
import type { InputRecord, RecordHeaders } from '../../types.ts';
import type { FetchedBatch } from './fetched-batches.ts';
import type { RecordCursor } from './record-cursor.ts';

// Record batch attribute bit 3: the batch's timestamps are the broker's append time (LogAppendTime).
const LOG_APPEND_TIME = 0x08;

/**
 * One record of a fetched batch as the take loop found it: its offset, its timestamp delta, and a
 * cursor at its key, bounded by the record's end. One object serves a whole batch, record after
 * record: a mapper reads from it and keeps nothing of it.
 */
export interface FetchedRecord {
  offset: number;
  timestampDelta: number;
  /** Where the record's key length starts in the batch's `records`. */
  keyAt: number;
  cursor: RecordCursor;
}

/** Turns one fetched record into the engine's record; may throw on a malformed one (tests pass one that fails). */
export type PlatformaticRecordMapper = (
  topic: string,
  partition: number,
  batch: FetchedBatch,
  record: FetchedRecord,
) => InputRecord;

/**
 * One fetched record as the engine reads it: key and value are views into the fetched bytes.
 * Under LogAppendTime every record of a batch carries the batch's max timestamp, as Kafka's Java
 * consumer reports it. Header pairs as the wire has them (a name may repeat; a name or value may be
 * null): Sluice keeps one Buffer per name, the last, as Java's `lastHeader()` and the other adapters
 * do; a null name is the empty name, a null value the empty value; names decode as UTF-8.
 */
export function toInputRecord(
  topic: string,
  partition: number,
  batch: FetchedBatch,
  record: FetchedRecord,
): InputRecord {
  const cursor = record.cursor;
  cursor.position = record.keyAt;
  const key = cursor.bytes();
  const value = cursor.bytes();
  const count = cursor.varInt();
  if (count < 0) throw new RangeError(`record header count ${count}`);
  let headers: RecordHeaders = NO_HEADERS;
  if (count > 0) {
    headers = emptyHeaders();
    for (let i = 0; i < count; i++) {
      const name = cursor.bytes();
      headers[name === null ? '' : name.toString('utf8')] = cursor.bytes() ?? Buffer.alloc(0);
    }
  }
  return {
    topic,
    partition,
    offset: record.offset,
    key,
    value,
    headers,
    timestampMs:
      batch.attributes & LOG_APPEND_TIME ? batch.maxTimestamp : batch.firstTimestamp + record.timestampDelta,
  };
}

/**
 * What the engine gets for a record that failed to map on every attempt, or for bytes that cannot
 * be walked as records: its raw key and value where they can be read (or the unreadable `bytes`
 * as its value), no headers, and the reason, so the decode stage dead-letters it and the
 * partition moves on.
 */
export function unreadableRecord(
  topic: string,
  partition: number,
  batch: FetchedBatch,
  offset: number,
  reason: string,
  record?: FetchedRecord,
  bytes: Buffer | null = null,
): InputRecord {
  let key: Buffer | null = null;
  let value: Buffer | null = bytes;
  if (record) {
    try {
      record.cursor.position = record.keyAt;
      key = record.cursor.bytes();
      value = record.cursor.bytes();
    } catch {
      // The key or value itself is what cannot be read: the dead letter goes without them.
    }
  }
  return {
    topic,
    partition,
    offset,
    key,
    value,
    headers: NO_HEADERS,
    timestampMs: batch.firstTimestamp,
    unreadable: reason,
  };
}
