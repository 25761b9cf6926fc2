import { CONTROL_BATCH, type FetchedBatch } from './fetched-batches.ts';

// Record batch attribute bit 4 marks a transactional batch.
const TRANSACTIONAL_BATCH = 0x10;
// A control record's type: 0 abort, 1 commit.
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
  readonly #pending: Array<{ producerId: bigint; firstOffset: number }>;
  readonly #open = new Set<bigint>();

  constructor(list: readonly AbortedTransaction[]) {
    this.#pending = list
      .map((t) => ({ producerId: t.producerId, firstOffset: Number(t.firstOffset) }))
      .sort((a, b) => b.firstOffset - a.firstOffset);
  }

  /** True when `batch` holds records of an aborted transaction (control batches never do). */
  skips(batch: FetchedBatch): boolean {
    if (batch.producerId < 0n) return false;
    const last = batch.firstOffset + batch.lastOffsetDelta;
    // #pending is sorted last-first, so the transactions that started by `last` are at its end.
    while (this.#pending.length > 0 && this.#pending.at(-1)!.firstOffset <= last) {
      this.#open.add(this.#pending.pop()!.producerId);
    }
    if (batch.attributes & CONTROL_BATCH) {
      if (batch.controlType === ABORT_MARKER) this.#open.delete(batch.producerId);
      return false;
    }
    return (batch.attributes & TRANSACTIONAL_BATCH) !== 0 && this.#open.has(batch.producerId);
  }
}
