import { errorMessage } from '../../../core/errors.ts';
import type { InputRecord } from '../../types.ts';
import type { AbortedTransactions } from './aborted-transactions.ts';
import { CONTROL_BATCH, type FetchedBatch } from './fetched-batches.ts';
import { RecordCursor } from './record-cursor.ts';
import type { FetchedRecord } from './record-mapping.ts';

/** The engine's record for one fetched record, or undefined to stop there and fetch it again. */
export type MapOne = (batch: FetchedBatch, record: FetchedRecord) => InputRecord | undefined;

/**
 * The record that stands for bytes that cannot be read as records, up to the batch's end: it
 * carries the range's last `offset`, so committing past it commits past the range, and `bytes`,
 * what could not be read.
 */
export type UnreadableRest = (
  batch: FetchedBatch,
  offset: number,
  reason: string,
  bytes: Buffer | null,
) => InputRecord;

/** What one partition's fetched batches yield: records in offset order, and where the next fetch starts. */
export interface Taken {
  records: InputRecord[];
  next: number;
  /** Why the partition stops at `next` and cannot go on in this process (a batch it cannot decompress). */
  blocked?: string;
}

/**
 * The records of one partition's fetched batches from offset `from` on, at most `room` of them.
 * `next` is the first offset not handed on: past the last batch when everything fitted, else the
 * first record left out (no room, or `map` refused it), so nothing is skipped and nothing repeats.
 * Control batches, batches of aborted transactions (when read_committed passes `aborted`) and
 * offsets compacted away are passed over; a compressed batch that starts before `from` yields only
 * its records from `from` on. A batch that cannot be read, or whose records cannot be walked from
 * some record on, yields one `unreadable` record standing for the offsets from the first not
 * handed on to the batch's end, and is passed over: the partition moves on and the loss is a dead
 * letter, not a stall. A batch this process lacks the codec for stops the partition before it
 * (`blocked`): nothing is wrong with it, so it waits rather than lose it. Pure logic.
 */
export function takeFromBatches(
  batches: readonly FetchedBatch[],
  from: number,
  room: number,
  map: MapOne,
  unreadable: UnreadableRest,
  aborted?: AbortedTransactions,
): Taken {
  const records: InputRecord[] = [];
  let next = from;
  for (const batch of batches) {
    const base = batch.firstOffset;
    const end = base + batch.lastOffsetDelta + 1;
    // Every batch goes through `aborted`, in order: it tracks which transactions are still open.
    const skipped = aborted?.skips(batch) === true;
    if (end <= next) continue;
    if (skipped || batch.attributes & CONTROL_BATCH) {
      next = end;
      continue;
    }
    if (batch.unsupported !== undefined)
      return { records, next: Math.max(next, base), blocked: batch.unsupported };
    if (batch.unreadable !== undefined) {
      if (records.length >= room) return { records, next };
      const reason = `offsets ${Math.max(next, base)}-${end - 1}: ${batch.unreadable}`;
      records.push(unreadable(batch, end - 1, reason, batch.raw ?? null));
      next = end;
      continue;
    }
    const size = batch.records.length;
    const cursor = new RecordCursor(batch.records);
    const record: FetchedRecord = { offset: base, timestampDelta: 0, keyAt: 0, cursor };
    for (let i = 0; i < batch.recordCount; i++) {
      const recordStart = cursor.position;
      let recordEnd: number;
      try {
        cursor.limit(size);
        const length = cursor.varInt();
        recordEnd = cursor.position + length;
        if (length < 0) throw new RangeError(`record length ${length}`);
        cursor.limit(recordEnd);
        cursor.skip(1); // attributes: unused in v2 records
        record.timestampDelta = cursor.varLong();
        record.offset = base + cursor.varInt();
        record.keyAt = cursor.position;
      } catch (error) {
        if (records.length >= room) return { records, next };
        const from = Math.max(next, base);
        const reason = `offsets ${from}-${end - 1}: the records of the batch at ${base} cannot be read from here on: ${errorMessage(error)}`;
        records.push(unreadable(batch, end - 1, reason, batch.records.subarray(recordStart)));
        break;
      }
      if (record.offset >= next) {
        const mapped = records.length >= room ? undefined : map(batch, record);
        if (mapped === undefined) return { records, next: record.offset };
        records.push(mapped);
        next = record.offset + 1;
      }
      cursor.position = recordEnd;
    }
    next = end;
  }
  return { records, next };
}
