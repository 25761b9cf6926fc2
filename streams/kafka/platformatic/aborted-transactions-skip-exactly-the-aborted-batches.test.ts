import { describe, expect, it } from 'vitest';
import { type AbortedTransaction, AbortedTransactions } from './aborted-transactions.ts';
import type { FetchedBatch } from './fetched-batches.ts';

const TRANSACTIONAL = 0x10;
const CONTROL = 0x20;

/** A batch of `count` records at `first`; `kind` says what it is. */
function batch(
  first: number,
  producer: number,
  kind: 'data' | 'idempotent' | 'abort' | 'commit',
  count = 1,
): FetchedBatch {
  const control = kind === 'abort' || kind === 'commit';
  return {
    firstOffset: first,
    lastOffsetDelta: count - 1,
    producerId: BigInt(producer),
    attributes: kind === 'idempotent' ? 0 : control ? TRANSACTIONAL | CONTROL : TRANSACTIONAL,
    controlType: control ? (kind === 'commit' ? 1 : 0) : -1,
  } as FetchedBatch;
}

const aborted = (producer: number, first: number): AbortedTransaction => ({
  producerId: BigInt(producer),
  firstOffset: BigInt(first),
});

/** The first offsets of the batches `filter` skips, fed in order. */
function skipped(batches: FetchedBatch[], list: AbortedTransaction[]): number[] {
  const filter = new AbortedTransactions(list);
  return batches.filter((b) => filter.skips(b)).map((b) => Number(b.firstOffset));
}

describe('AbortedTransactions', () => {
  it('skips an aborted transaction whose abort marker lies beyond the response', () => {
    expect(skipped([batch(0, 7, 'data', 10), batch(10, 7, 'data', 10)], [aborted(7, 0)])).toEqual([0, 10]);
  });

  it("tells one producer's aborted transactions from its committed ones in between", () => {
    const batches = [
      batch(0, 7, 'data', 5),
      batch(5, 7, 'abort'),
      batch(6, 7, 'data', 5),
      batch(11, 7, 'commit'),
      batch(12, 7, 'data', 5),
      batch(17, 7, 'abort'),
      batch(18, 7, 'data', 5),
    ];
    expect(skipped(batches, [aborted(7, 0), aborted(7, 12)])).toEqual([0, 12]);
  });

  it("skips only the aborting producer's batches where two producers interleave", () => {
    const batches = [
      batch(0, 1, 'data', 3),
      batch(3, 2, 'data', 3),
      batch(6, 1, 'data', 3),
      batch(9, 2, 'data', 3),
      batch(12, 1, 'abort'),
      batch(13, 2, 'commit'),
    ];
    expect(skipped(batches, [aborted(1, 0)])).toEqual([0, 6]);
  });

  it('judges a response that starts in the middle of an aborted transaction', () => {
    expect(skipped([batch(40, 3, 'data', 5), batch(45, 3, 'abort')], [aborted(3, 20)])).toEqual([40]);
  });

  it('takes the list in any order', () => {
    const batches = [batch(0, 1, 'data'), batch(1, 1, 'abort'), batch(2, 2, 'data'), batch(3, 2, 'abort')];
    expect(skipped(batches, [aborted(2, 2), aborted(1, 0)])).toEqual([0, 2]);
  });

  it('does not skip an aborted producer before its transaction started, nor its idempotent batches', () => {
    const batches = [
      batch(0, 5, 'data', 4),
      batch(4, 5, 'commit'),
      batch(5, 5, 'idempotent'),
      batch(6, 5, 'data'),
    ];
    expect(skipped(batches, [aborted(5, 6)])).toEqual([6]);
  });

  it('passes over an abort marker of a transaction the list does not name', () => {
    const batches = [batch(0, 9, 'abort'), batch(1, 4, 'data'), batch(2, 4, 'abort'), batch(3, 9, 'data')];
    expect(skipped(batches, [aborted(4, 1)])).toEqual([1]);
  });

  it('skips nothing without a list (read_uncommitted answers carry none)', () => {
    expect(skipped([batch(0, 1, 'data'), batch(1, 1, 'abort')], [])).toEqual([]);
  });
});
