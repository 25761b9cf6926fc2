import type { RecordsBatch } from '@platformatic/kafka';

// Record batch attributes: bit 4 marks a transactional batch, bit 5 a control batch (markers).
const TRANSACTIONAL_BATCH = 0x10;
export const CONTROL_BATCH = 0x20;
// A control record's key: version (int16), then the type: 0 abort, 1 commit.
const ABORT_MARKER = 0;

/** One entry of a read_committed fetch response's aborted transaction list. */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

/**
 * Which batches of one partition's read_committed fetch belong to aborted transactions. The broker
 * lists each aborted transaction that overlaps the fetched range by producer and first offset; the
 * abort marker that ends it may lie beyond this response, so a batch is judged by the list alone:
 * aborted when its producer's aborted transaction started at or before it and no abort marker of
 * that producer came in between (as Java's consumer does). A producer has one transaction open at a
 * time, so this tells its aborted and committed transactions apart however they interleave with
 * other producers'. Fed every batch of the response in offset order. Pure logic.
 */
export class AbortedTransactions {
  readonly #pending: AbortedTransaction[];
  readonly #open = new Set<bigint>();

  constructor(list: readonly AbortedTransaction[]) {
    this.#pending = [...list].sort((a, b) => (a.firstOffset < b.firstOffset ? 1 : -1));
  }

  /** True when `batch` holds records of an aborted transaction (control batches never do). */
  skips(batch: RecordsBatch): boolean {
    if (batch.producerId < 0n) return false;
    const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
    // #pending is sorted last-first, so the transactions that started by `last` are at its end.
    while (this.#pending.length > 0 && this.#pending.at(-1)!.firstOffset <= last) {
      this.#open.add(this.#pending.pop()!.producerId);
    }
    if (batch.attributes & CONTROL_BATCH) {
      if (isAbortMarker(batch)) this.#open.delete(batch.producerId);
      return false;
    }
    return (batch.attributes & TRANSACTIONAL_BATCH) !== 0 && this.#open.has(batch.producerId);
  }
}

function isAbortMarker(batch: RecordsBatch): boolean {
  const key = batch.records[0]?.key;
  return key !== null && key !== undefined && key.length >= 4 && key.readInt16BE(2) === ABORT_MARKER;
}
