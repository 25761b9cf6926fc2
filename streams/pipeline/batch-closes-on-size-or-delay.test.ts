import { describe, expect, it, vi } from 'vitest';
import { MicroBatcher } from './micro-batcher.ts';

describe('MicroBatcher closes a batch on size or delay, whichever comes first', () => {
  it('closes at maxBatchSize without waiting for the delay', () => {
    const batches: Array<{ items: number[]; reason: string }> = [];
    const batcher = new MicroBatcher<number>({ maxBatchSize: 3, maxDelayMs: 10_000 }, (items, reason) =>
      batches.push({ items, reason }),
    );
    for (const n of [1, 2, 3, 4, 5, 6, 7]) batcher.add(n);
    expect(batches).toEqual([
      { items: [1, 2, 3], reason: 'size' },
      { items: [4, 5, 6], reason: 'size' },
    ]);
    expect(batcher.size).toBe(1);
    batcher.flush();
    expect(batches.at(-1)).toEqual({ items: [7], reason: 'flush' });
  });

  it('closes a partial batch maxDelayMs after its first item', () => {
    vi.useFakeTimers();
    try {
      const batches: number[][] = [];
      const batcher = new MicroBatcher<number>({ maxBatchSize: 100, maxDelayMs: 20 }, (items) =>
        batches.push(items),
      );
      batcher.add(1);
      vi.advanceTimersByTime(10);
      batcher.add(2);
      expect(batches).toEqual([]);
      vi.advanceTimersByTime(10);
      expect(batches).toEqual([[1, 2]]);
      batcher.add(3);
      vi.advanceTimersByTime(19);
      expect(batches).toHaveLength(1);
      vi.advanceTimersByTime(1);
      expect(batches).toEqual([[1, 2], [3]]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('does not let a size-closed batch leave a stale timer behind', () => {
    vi.useFakeTimers();
    try {
      const batches: number[][] = [];
      const batcher = new MicroBatcher<number>({ maxBatchSize: 2, maxDelayMs: 50 }, (items) =>
        batches.push(items),
      );
      for (const n of [1, 2]) batcher.add(n);
      vi.advanceTimersByTime(40);
      batcher.add(3);
      vi.advanceTimersByTime(15);
      expect(batches).toEqual([[1, 2]]);
      vi.advanceTimersByTime(35);
      expect(batches).toEqual([[1, 2], [3]]);
    } finally {
      vi.useRealTimers();
    }
  });
});
