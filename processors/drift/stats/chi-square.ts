import { chiSquareSurvival } from './gamma.ts';

/** A chi-square goodness-of-fit test of current counts against reference frequencies. */
export interface ChiSquareResult {
  statistic: number;
  pvalue: number;
  /** Degrees of freedom: the categories compared, minus one. */
  dof: number;
}

/**
 * Pearson's chi-square goodness of fit, as `scipy.stats.chisquare(f_obs, f_exp)`: over the
 * categories with a non-zero reference frequency, the expected counts are the reference
 * frequencies scaled to the observed total; statistic Σ (o - e)² / e, p-value from the chi-square
 * distribution with k - 1 degrees of freedom. Values unseen in the reference are the caller's to
 * count apart (they have no expected count).
 */
export function chiSquareGoodnessOfFit(
  observed: ArrayLike<number>,
  referenceFrequencies: ArrayLike<number>,
): ChiSquareResult {
  if (observed.length !== referenceFrequencies.length)
    throw new RangeError('chi-square needs the same categories on both sides');
  let observedTotal = 0;
  let referenceTotal = 0;
  const kept: number[] = [];
  for (let i = 0; i < observed.length; i++) {
    if (referenceFrequencies[i]! > 0) {
      kept.push(i);
      observedTotal += observed[i]!;
      referenceTotal += referenceFrequencies[i]!;
    }
  }
  let statistic = 0;
  for (const i of kept) {
    const expected = (referenceFrequencies[i]! / referenceTotal) * observedTotal;
    statistic += (observed[i]! - expected) ** 2 / expected;
  }
  const dof = kept.length - 1;
  return { statistic, pvalue: dof > 0 ? chiSquareSurvival(statistic, dof) : Number.NaN, dof };
}

/** The L∞ distance between two distributions over the same categories (each normalised to sum 1). */
export function linfDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i]!;
    sq += q[i]!;
  }
  let max = 0;
  for (let i = 0; i < p.length; i++)
    max = Math.max(max, Math.abs((sp > 0 ? p[i]! / sp : 0) - (sq > 0 ? q[i]! / sq : 0)));
  return max;
}
