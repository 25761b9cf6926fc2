/**
 * The q-quantile of an ascending sample by linear interpolation between the closest ranks:
 * with h = (n - 1)·q, x[⌊h⌋] + (h - ⌊h⌋)·(x[⌊h⌋+1] - x[⌊h⌋]). This is numpy's default
 * (`np.quantile(x, q)`, method "linear", Hyndman & Fan type 7).
 */
export function linearQuantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) throw new RangeError('the quantile of an empty sample is undefined');
  const h = (n - 1) * q;
  const low = Math.floor(h);
  const high = Math.min(low + 1, n - 1);
  const a = sorted[low]!;
  const b = sorted[high]!;
  // numpy's lerp: exact at both ends, so a constant sample gives its constant.
  const t = h - low;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

/**
 * Bin edges at the reference deciles: the linear quantiles at 0.1, 0.2, …, 0.9 of the ascending
 * sample, duplicates removed (a column with many equal values has fewer bins). The outer bins are
 * open: bin 0 is below the first edge, the last bin at or above the last.
 */
export function decileEdges(sorted: ArrayLike<number>): number[] {
  const edges: number[] = [];
  for (let k = 1; k <= 9; k++) {
    const edge = linearQuantile(sorted, k / 10);
    if (edges.length === 0 || edge !== edges[edges.length - 1]) edges.push(edge);
  }
  return edges;
}

/** The bin of `value` among `edges` (ascending): the number of edges ≤ value, so a value equal to an edge falls in the bin above. */
export function binOf(edges: ArrayLike<number>, value: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (edges[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Counts of `values` per bin of `edges` (edges.length + 1 bins); NaN values are skipped. */
export function binCounts(edges: ArrayLike<number>, values: ArrayLike<number>): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) counts[binOf(edges, v)]!++;
  }
  return counts;
}

/** Population standard deviation (ddof 0): sqrt(Σ(x - mean)² / n), two-pass for accuracy. */
export function populationStd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) squares += (values[i]! - mean) ** 2;
  return Math.sqrt(squares / n);
}
