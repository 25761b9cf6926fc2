import { describe, expect, it } from 'vitest';
import { Rng } from '../../../models/generator/index.ts';
import { jensenShannonDistance, psi, shares, wasserstein } from './distances.ts';
import { ksStatistic } from './kolmogorov-smirnov.ts';
import { binCounts, decileEdges } from './quantiles.ts';

function sample(n: number, seed: number, shift = 0): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => -Math.log(1 - rng.next()) * 10 + shift).sort();
}

describe('the drift distances', () => {
  const reference = sample(2000, 1);
  const current = sample(1500, 2, 3);

  it('are zero between a sample and itself', () => {
    const edges = decileEdges(reference);
    const counts = binCounts(edges, reference);
    expect(ksStatistic(reference, reference)).toBe(0);
    expect(wasserstein(reference, reference)).toBe(0);
    expect(psi(shares(counts), shares(counts))).toBe(0);
    expect(jensenShannonDistance(counts, counts)).toBe(0);
  });

  it('do not change when a window is shuffled', () => {
    const edges = decileEdges(reference);
    const rng = new Rng(3);
    const shuffled = Array.from(current).sort(() => rng.next() - 0.5);
    expect(binCounts(edges, shuffled)).toEqual(binCounts(edges, current));
    expect(ksStatistic(reference, Float64Array.from(shuffled).sort())).toBe(ksStatistic(reference, current));
  });

  it('KS and decile PSI do not change under a strictly monotone transform of both samples', () => {
    const transform = (x: number) => Math.log1p(x) * 3 + 7;
    const tReference = reference.map(transform);
    const tCurrent = current.map(transform);
    expect(ksStatistic(tReference, tCurrent)).toBe(ksStatistic(reference, current));
    const before = psi(
      shares(binCounts(decileEdges(reference), reference)),
      shares(binCounts(decileEdges(reference), current)),
    );
    // Deciles of the transformed sample interpolate in transformed space, so the edges are the
    // transform of the order statistics they fall between: compare bins cut at transformed edges.
    const edges = decileEdges(reference).map(transform);
    const after = psi(shares(binCounts(edges, tReference)), shares(binCounts(edges, tCurrent)));
    expect(after).toBeCloseTo(before, 12);
  });
});
