import { describe, expect, it } from 'vitest';
import { murmur2, toPositive } from '../../murmur2.ts';
import type { OutgoingRecord } from '../../types.ts';
import { JavaCompatiblePartitioner, partitionRuns } from './partition-runs.ts';

const record = (key: string | null, value: string, partition?: number): OutgoingRecord => ({
  key,
  value: Buffer.from(value),
  ...(partition === undefined ? {} : { partition }),
});

describe('partition runs', () => {
  it('put each record on its key’s partition, in call order, one run a partition', () => {
    const records = Array.from({ length: 40 }, (_, i) => record(`k${i % 7}`, `v${i}`));
    const runs = partitionRuns('t', records, 6, new JavaCompatiblePartitioner());
    expect(runs.map((r) => r.partition)).toEqual([...new Set(runs.map((r) => r.partition))].sort());
    expect(runs.reduce((n, r) => n + r.value.records.length, 0)).toBe(40);
    for (const run of runs)
      for (const r of run.value.records) {
        expect(toPositive(murmur2(Buffer.from(r.key as string))) % 6).toBe(run.partition);
      }
    for (const run of runs) {
      const order = run.value.records.map((r) => Number(r.value!.toString().slice(1)));
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('spread keyless records round robin and keep an explicit partition (modulo the count)', () => {
    const partitioner = new JavaCompatiblePartitioner();
    const runs = partitionRuns(
      't',
      [record(null, 'a'), record(null, 'b'), record(null, 'c'), record('x', 'd', 7)],
      3,
      partitioner,
    );
    expect(runs.map((r) => [r.partition, r.value.records.map((x) => x.value!.toString())])).toEqual([
      [0, ['a']],
      [1, ['b', 'd']],
      [2, ['c']],
    ]);
  });

  it('refuse a partition that is not a partition number, naming it', () => {
    expect(() => partitionRuns('t', [record('k', 'v', -1)], 3, new JavaCompatiblePartitioner())).toThrow(
      /partition -1/,
    );
  });
});
