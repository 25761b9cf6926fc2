import type { KafkaRecord, RecordsBatch } from '@platformatic/kafka';
import type { InputRecord } from '../../types.ts';
import { type AbortedTransactions, CONTROL_BATCH } from './aborted-transactions.ts';

/** The engine's record for one fetched record, or undefined to stop there and fetch it again. */
export type MapOne = (
  batch: RecordsBatch,
  baseOffset: number,
  record: KafkaRecord,
) => InputRecord | undefined;

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
 * its records from `from` on. Pure logic.
 */
export function takeFromBatches(
  batches: readonly RecordsBatch[],
  from: number,
  room: number,
  map: MapOne,
  aborted?: AbortedTransactions,
): Taken {
  const records: InputRecord[] = [];
  let next = from;
  for (const batch of batches) {
    const base = Number(batch.firstOffset);
    const end = base + batch.lastOffsetDelta + 1;
    // Every batch goes through `aborted`, in order: it tracks which transactions are still open.
    const skipped = aborted?.skips(batch) === true;
    if (end <= next) continue;
    if (skipped || batch.attributes & CONTROL_BATCH) {
      next = end;
      continue;
    }
    for (const record of batch.records) {
      const offset = base + record.offsetDelta;
      if (offset < next) continue;
      const mapped = records.length >= room ? undefined : map(batch, base, record);
      if (mapped === undefined) return { records, next: offset };
      records.push(mapped);
      next = offset + 1;
    }
    next = end;
  }
  return { records, next };
}
