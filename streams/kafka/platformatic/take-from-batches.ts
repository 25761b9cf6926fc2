import { errorMessage } from '../../../core/errors.ts';
import type { InputRecord } from '../../types.ts';
import type { AbortedTransactions } from './aborted-transactions.ts';
import { CONTROL_BATCH, type FetchedBatch } from './fetched-batches.ts';
import { RecordCursor } from './record-cursor.ts';
import type { FetchedRecord } from './record-mapping.ts';

/** The engine's record for one fetched record, or undefined to stop there and fetch it again. */
export type MapOne = (batch: FetchedBatch, record: FetchedRecord) => InputRecord | undefined;

/** The record that stands for bytes that cannot be read as records, from `offset` to the batch's end. */
export type UnreadableRest = (batch: FetchedBatch, offset: number, reason: string) => InputRecord;

/** What one partition's fetched batches yield: records in offset order, and where the next fetch starts. */
export interface Taken {
  records: InputRecord[];
  next: number;
}

/**
 * The records of one partition's fetched batches from offset `from` on, at most `room` of them.
 * `next` is the first offset not handed on: past the last batch when everything fitted, else the
 * first record left out (no room, or `map` refused it), so nothing is skipped and nothing repeats.
 * Control batches, batches of aborted transactions (when read_committed passes `aborted`) and
 * offsets compacted away are passed over; a compressed batch that starts before `from` yields only
 * its records from `from` on. A batch that cannot be read, or whose records cannot be walked from
 * some record on, yields one `unreadable` record at the first offset not handed on and is passed
 * over to its end: the partition moves on and the loss is a dead letter, not a stall. Pure logic.
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
    if (batch.unreadable !== undefined) {
      if (records.length >= room) return { records, next };
      records.push(unreadable(batch, Math.max(next, base), batch.unreadable));
      next = end;
      continue;
    }
    const size = batch.records.length;
    const cursor = new RecordCursor(batch.records);
    const record: FetchedRecord = { offset: base, timestampDelta: 0, keyAt: 0, cursor };
    for (let i = 0; i < batch.recordCount; i++) {
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
        const reason = `record batch at offset ${base} cannot be read from here on: ${errorMessage(error)}`;
        records.push(unreadable(batch, Math.max(next, base), reason));
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
