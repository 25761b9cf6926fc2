import { describe, expect, it } from 'vitest';
import { benjaminiHochberg } from './benjamini-hochberg.ts';
import { chiSquareGoodnessOfFit, linfDistance } from './chi-square.ts';
import { jensenShannonDistance, normedWasserstein, psi, shares, wasserstein } from './distances.ts';
import { kolmogorovSf } from './kolmogorov-distribution.ts';
import { ksAsympPValue, ksExactPValue, ksPValue, ksStatistic } from './kolmogorov-smirnov.ts';
import { scipyAnswers } from './oracle/scipy-answers.ts';
import { binCounts, decileEdges, populationStd } from './quantiles.ts';

const oracle = scipyAnswers();

/** NaN (null in JSON) dropped, ascending: what every statistic takes. */
const sample = (values: Array<number | null>) =>
  Float64Array.from(values.filter((v): v is number => v !== null)).sort();

const close = (got: number, want: number, tolerance: number) =>
  expect(Math.abs(got - want), `${got} vs ${want}`).toBeLessThanOrEqual(tolerance);

describe.each(oracle.numeric)('numeric columns against scipy: $name', (c) => {
  const reference = sample(c.reference);
  const current = sample(c.current);

  it('cuts the same decile bins and counts the same values in each', () => {
    const edges = decileEdges(reference);
    expect(edges).toEqual(c.edges);
    expect(binCounts(edges, reference)).toEqual(c.reference_counts);
    expect(binCounts(edges, current)).toEqual(c.current_counts);
  });

  it('gives the KS statistic within 1e-12 and the exact p-value within 1e-6 of ks_2samp', () => {
    const d = ksStatistic(reference, current);
    close(d, c.ks_statistic, 1e-12);
    close(ksExactPValue(reference.length, current.length, d), c.ks_pvalue_exact, 1e-6);
    close(ksPValue(reference.length, current.length, d, 'auto'), c.ks_pvalue_auto, 1e-6);
  });

  it('gives the asymptotic p-value within 1e-6 of ks_2samp(method="asymp")', () => {
    const p = ksAsympPValue(reference.length, current.length, ksStatistic(reference, current));
    // scipy has no answer for n = 1 against 1 (an effective size of 0.5 rounds to 0).
    if (c.ks_pvalue_asymp === null) expect(p).toBeNaN();
    else close(p, c.ks_pvalue_asymp, 1e-6);
  });

  it('gives PSI within 1e-12, Wasserstein and Jensen-Shannon within 1e-9', () => {
    close(psi(shares(c.reference_counts), shares(c.current_counts)), c.psi, 1e-12);
    close(populationStd(reference), c.reference_std, 1e-12);
    close(wasserstein(reference, current), c.wasserstein, 1e-9);
    close(normedWasserstein(reference, current, populationStd(reference)), c.wasserstein_normed, 1e-9);
    close(jensenShannonDistance(c.reference_counts, c.current_counts), c.js_distance, 1e-9);
  });
});

describe.each(oracle.categorical)('categorical columns against scipy: $name', (c) => {
  it('gives chisquare within 1e-9, the unseen count and the L-infinity distance', () => {
    const categories = Object.keys(c.reference).sort();
    const observed = categories.map((k) => c.current[k] ?? 0);
    const frequencies = categories.map((k) => c.reference[k]!);
    const result = chiSquareGoodnessOfFit(observed, frequencies);
    close(result.statistic, c.chi2_statistic, 1e-9);
    close(result.pvalue, c.chi2_pvalue, 1e-9);
    const unseen = Object.entries(c.current)
      .filter(([k]) => !(k in c.reference))
      .reduce((sum, [, v]) => sum + v, 0);
    expect(unseen).toBe(c.unseen);
    close(linfDistance([...frequencies, 0], [...observed, unseen]), c.linf, 1e-12);
  });
});

describe('the one-sample Kolmogorov tail (what the asymptotic p-value reads) against scipy.stats.kstwo.sf', () => {
  it.each(oracle.kolmogorov.map((k) => [k.n, k.x, k.sf]))('n = %d, x = %f: within 1e-6', (n, x, sf) => {
    close(kolmogorovSf(n, x), sf, 1e-6);
  });
});

describe('Benjamini-Hochberg against scipy.stats.false_discovery_control(method="bh")', () => {
  it.each(oracle.benjamini_hochberg)('adjusts $p.length p-values within 1e-12', ({ p, adjusted }) => {
    const got = benjaminiHochberg(p);
    for (let i = 0; i < got.length; i++) close(got[i]!, adjusted[i]!, 1e-12);
  });
});
