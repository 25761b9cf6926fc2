import { describe, expect, it } from 'vitest';
import { OrderedBatchRunner } from './ordered-batch-runner.ts';

/** Resolves once `count` batches have been delivered or reported failed. */
function settled(count: number): { done: Promise<void>; one: () => void } {
  let left = count;
  let resolve!: () => void;
  const done = new Promise<void>((r) => {
    resolve = r;
  });
  return { done, one: () => --left === 0 && resolve() };
}

describe('OrderedBatchRunner', () => {
  it('delivers in submission order even when later batches finish processing first', async () => {
    const delivered: number[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const all = settled(10);
    const runner = new OrderedBatchRunner<number, number>({
      maxConcurrent: 3,
      process: async (n) => {
        concurrent++;
        maxConcurrent = Math.max(maxConcurrent, concurrent);
        await new Promise((r) => setTimeout(r, (10 - n) * 3));
        concurrent--;
        return n * 10;
      },
      deliver: async (result) => {
        delivered.push(result);
        all.one();
      },
      onFatal: (error) => {
        throw error;
      },
    });
    for (let n = 0; n < 10; n++) runner.submit(n);
    await all.done;
    expect(delivered).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90]);
    expect(maxConcurrent).toBe(3);
    // The count drops once the delivery chain moved on past the last batch.
    await new Promise((r) => setImmediate(r));
    expect(runner.pending).toBe(0);
  });

  it('reports a failing batch through onFatal and keeps delivering the rest', async () => {
    const delivered: number[] = [];
    const failures: unknown[] = [];
    const all = settled(3);
    const runner = new OrderedBatchRunner<number, number>({
      maxConcurrent: 2,
      process: async (n) => {
        if (n === 1) throw new Error('boom');
        return n;
      },
      deliver: async (n) => {
        delivered.push(n);
        all.one();
      },
      onFatal: (error) => {
        failures.push(error);
        all.one();
      },
    });
    for (const n of [0, 1, 2]) runner.submit(n);
    await all.done;
    expect(delivered).toEqual([0, 2]);
    expect(failures).toHaveLength(1);
  });
});
