/**
 * Benjamini–Hochberg adjusted p-values, as `scipy.stats.false_discovery_control(p, method="bh")`:
 * with the m p-values ranked ascending, adjusted p₍ᵢ₎ = min over j ≥ i of (m / j)·p₍ⱼ₎, at most 1,
 * returned in the input's order. A column drifts on its test when its adjusted p is below the
 * level, which keeps the expected share of false discoveries among a window's columns at the level.
 * NaN p-values (a test that could not run) stay NaN and do not count in m.
 */
export function benjaminiHochberg(pvalues: readonly number[]): number[] {
  const ranked = pvalues
    .map((p, index) => ({ p, index }))
    .filter(({ p }) => !Number.isNaN(p))
    .sort((a, b) => a.p - b.p);
  const m = ranked.length;
  const adjusted = pvalues.map(() => Number.NaN);
  let running = 1;
  for (let i = m - 1; i >= 0; i--) {
    running = Math.min(running, (m / (i + 1)) * ranked[i]!.p);
    adjusted[ranked[i]!.index] = running;
  }
  return adjusted;
}
