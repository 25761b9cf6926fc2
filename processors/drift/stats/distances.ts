/** Shares of counts (each count / total); all zeros when the total is 0. */
export function shares(counts: ArrayLike<number>): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i]!;
  return Array.from(counts, (c) => (total > 0 ? c / total : 0));
}

/**
 * Population stability index over the same bins: Σᵢ (qᵢ - pᵢ)·ln(qᵢ / pᵢ), where p are the
 * reference's shares and q the current window's, each first raised to at least `floor` (1e-4) so
 * an empty bin on either side stays finite.
 */
export function psi(
  referenceShares: ArrayLike<number>,
  currentShares: ArrayLike<number>,
  floor = 1e-4,
): number {
  if (referenceShares.length !== currentShares.length)
    throw new RangeError('PSI needs the same bins on both sides');
  let sum = 0;
  for (let i = 0; i < referenceShares.length; i++) {
    const p = Math.max(referenceShares[i]!, floor);
    const q = Math.max(currentShares[i]!, floor);
    sum += (q - p) * Math.log(q / p);
  }
  return sum;
}

/**
 * Jensen–Shannon distance (natural log) between two distributions over the same bins, as
 * `scipy.spatial.distance.jensenshannon(p, q)` computes it: each normalised to sum 1, m = (p+q)/2,
 * sqrt((KL(p‖m) + KL(q‖m)) / 2), with 0·ln(0/x) = 0.
 */
export function jensenShannonDistance(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError('Jensen-Shannon needs the same bins on both sides');
  const a = shares(p);
  const b = shares(q);
  let divergence = 0;
  for (let i = 0; i < a.length; i++) {
    const m = (a[i]! + b[i]!) / 2;
    if (a[i]! > 0) divergence += a[i]! * Math.log(a[i]! / m);
    if (b[i]! > 0) divergence += b[i]! * Math.log(b[i]! / m);
  }
  return Math.sqrt(Math.max(divergence / 2, 0));
}

/**
 * The first Wasserstein distance between two empirical distributions, as
 * `scipy.stats.wasserstein_distance(u, v)`: ∫ |U(x) - V(x)| dx, the area between the two ECDFs,
 * summed exactly over the gaps between consecutive pooled values. Both inputs ascending.
 */
export function wasserstein(sortedU: ArrayLike<number>, sortedV: ArrayLike<number>): number {
  const n = sortedU.length;
  const m = sortedV.length;
  if (n === 0 || m === 0) throw new RangeError('the Wasserstein distance needs two non-empty samples');
  let i = 0;
  let j = 0;
  let area = 0;
  let previous = Math.min(sortedU[0]!, sortedV[0]!);
  while (i < n || j < m) {
    const next = j >= m || (i < n && sortedU[i]! <= sortedV[j]!) ? sortedU[i]! : sortedV[j]!;
    area += Math.abs(i / n - j / m) * (next - previous);
    while (i < n && sortedU[i] === next) i++;
    while (j < m && sortedV[j] === next) j++;
    previous = next;
  }
  return area;
}

/** Wasserstein distance in units of the reference's spread: W / max(reference std (ddof 0), 1e-3). */
export function normedWasserstein(
  sortedReference: ArrayLike<number>,
  sortedCurrent: ArrayLike<number>,
  referenceStd: number,
): number {
  return wasserstein(sortedReference, sortedCurrent) / Math.max(referenceStd, 1e-3);
}
