import { describe, expect, it } from 'vitest';
import { latestPerKey } from './latest-per-key.ts';

describe('the per-batch dedupe of the Redis sink', () => {
  it('keeps the last item of each key in batch order and drops the earlier ones', () => {
    const batch = [
      { key: 'u1', n: 1 },
      { key: 'u2', n: 2 },
      { key: 'u1', n: 3 },
      { key: 'u3', n: 4 },
      { key: 'u2', n: 5 },
      { key: 'u1', n: 6 },
    ];
    const latest = latestPerKey(batch);
    expect(latest).toHaveLength(3);
    expect(Object.fromEntries(latest.map((item) => [item.key, item.n]))).toEqual({ u1: 6, u2: 5, u3: 4 });
  });

  it('passes a batch of distinct keys through unchanged', () => {
    const batch = [{ key: 'a' }, { key: 'b' }, { key: 'c' }];
    expect(latestPerKey(batch)).toEqual(batch);
  });

  it('returns nothing for an empty batch', () => {
    expect(latestPerKey([])).toEqual([]);
  });
});
