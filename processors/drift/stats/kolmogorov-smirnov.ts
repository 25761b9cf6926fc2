/** The two-sample KS statistic: the largest distance between the two ECDFs (both inputs ascending, no NaN). */
export function ksStatistic(sortedA: ArrayLike<number>, sortedB: ArrayLike<number>): number {
  const n = sortedA.length;
  const m = sortedB.length;
  if (n === 0 || m === 0) throw new RangeError('the KS statistic needs two non-empty samples');
  let i = 0;
  let j = 0;
  let d = 0;
  // Walk the pooled values in order; at each distinct value both ECDFs take all its ties (side "right").
  while (i < n && j < m) {
    const x = Math.min(sortedA[i]!, sortedB[j]!);
    while (i < n && sortedA[i] === x) i++;
    while (j < m && sortedB[j] === x) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  // Past the end of one sample the gap only shrinks, so the last one measured is the largest left.
  return d;
}

import { kolmogorovSf } from './kolmogorov-distribution.ts';

/** How the p-value is computed, with the meanings of `scipy.stats.ks_2samp`'s `method`. */
export type KsMethod = 'exact' | 'asymp' | 'auto';

/** Above this sample size `auto` is asymptotic, as in scipy. */
const MAX_AUTO_N = 10_000;

/**
 * The two-sided p-value of the two-sample KS statistic d for sample sizes n1 and n2: `exact`
 * (ksExactPValue), `asymp` (the one-sample Kolmogorov distribution at the effective size
 * round(n1·n2 / (n1 + n2)), rounding half to even as numpy does), or `auto`: exact while both
 * samples have at most 10,000 values.
 */
export function ksPValue(n1: number, n2: number, d: number, method: KsMethod = 'auto'): number {
  const exact = method === 'exact' || (method === 'auto' && Math.max(n1, n2) <= MAX_AUTO_N);
  if (exact) return ksExactPValue(n1, n2, d);
  return ksAsympPValue(n1, n2, d);
}

/** `ks_2samp(method="asymp")`: P(D_en ≥ d) of the one-sample Kolmogorov distribution, en = round(n1·n2 / (n1 + n2)). */
export function ksAsympPValue(n1: number, n2: number, d: number): number {
  const [m, n] = n1 >= n2 ? [n1, n2] : [n2, n1];
  return clip(kolmogorovSf(roundHalfEven((m * n) / (m + n)), d));
}

function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * The exact two-sided p-value P(D ≥ d) of the two-sample KS statistic for sample sizes n1, n2,
 * under the null (no ties), as `scipy.stats.ks_2samp(..., method="exact")`: d is first rounded to
 * the lattice of attainable values, h / lcm(n1, n2). For n1 = n2 it is the closed form
 * 2·Σₖ (-1)^(k-1) C(2n, n - k·h) / C(2n, n), summed with a nested product (no cancellation);
 * otherwise the share of the C(n1 + n2, n1) lattice paths that stay strictly inside the band
 * |x/n1 - y/n2| < d, by a recurrence over the lattice on probabilities (never on counts, which
 * overflow), and the p-value is the rest.
 */
export function ksExactPValue(n1: number, n2: number, d: number): number {
  const g = gcd(n1, n2);
  const lcm = (n1 / g) * n2;
  const h = Math.round(d * lcm);
  if (h === 0) return 1;
  if (n1 === n2) return clip(outsideSquare(n1, h));
  return clip(1 - insideBand(n1, n2, g, h));
}

function clip(p: number): number {
  return Math.min(1, Math.max(0, p));
}

/** P(D_{n,n} ≥ h/n) = 2·A₀(1 - A₁(1 - A₂(...))), Aₖ = Π_{j<h} (n - kh - j) / (n + kh + j + 1). */
function outsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let a = 1;
    for (let j = 0; j < h; j++) a = ((n - k * h - j) * a) / (n + k * h + j + 1);
    p = a * (1 - p);
  }
  return 2 * p;
}

/**
 * The share of monotone lattice paths from (0, 0) to (n1, n2) on which every point keeps
 * |n2·x - n1·y| < h·g (that is |x/n1 - y/n2| < h / lcm). A uniformly random path to (x, y) arrives
 * from (x-1, y) with probability x / (x + y), so inside(x, y) = x/(x+y)·inside(x-1, y) +
 * y/(x+y)·inside(x, y-1) on allowed points, 0 elsewhere: a probability at every step.
 */
function insideBand(n1: number, n2: number, g: number, h: number): number {
  const bound = h * g;
  let row = new Float64Array(n2 + 1);
  let next = new Float64Array(n2 + 1);
  row[0] = 1;
  for (let y = 1; y <= n2; y++) row[y] = Math.abs(-n1 * y) < bound ? row[y - 1]! : 0;
  for (let x = 1; x <= n1; x++) {
    next[0] = Math.abs(n2 * x) < bound ? row[0]! : 0;
    for (let y = 1; y <= n2; y++) {
      if (Math.abs(n2 * x - n1 * y) >= bound) next[y] = 0;
      else next[y] = (x * row[y]! + y * next[y - 1]!) / (x + y);
    }
    [row, next] = [next, row];
  }
  return row[n2]!;
}
