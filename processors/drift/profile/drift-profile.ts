import { z } from 'zod';
import { binCounts, decileEdges, populationStd } from '../stats/quantiles.ts';
import { eventHash } from '../window/event-hash.ts';
import { MISSING, OTHER } from '../window/window-state.ts';

/** Categories under this share of the reference fold into OTHER (so a long tail does not make every window look new). */
export const DEFAULT_FOLD_SHARE = 0.005;

const numericColumnSchema = z.strictObject({
  kind: z.literal('numeric'),
  /** Non-missing reference values, and missing ones. */
  count: z.number().int().nonnegative(),
  missing: z.number().int().nonnegative(),
  /** Ascending; all values when there are at most sampleSize, else a seeded subsample. */
  sample: z.array(z.number()),
  /** The reference deciles (numpy linear quantiles at 0.1 … 0.9), duplicates removed. */
  edges: z.array(z.number()),
  /** Reference values per bin of `edges` (all of them, not just the sample): the PSI and JS reference. */
  binCounts: z.array(z.number().int().nonnegative()),
  /** Of the reference values, ddof 0. */
  std: z.number(),
});

const categoricalColumnSchema = z.strictObject({
  kind: z.literal('categorical'),
  count: z.number().int().nonnegative(),
  /** Reference counts per category, with OTHER (folded categories) and MISSING (null or empty). */
  counts: z.record(z.string(), z.number().int().nonnegative()),
  /** Categories folded into OTHER. */
  folded: z.array(z.string()),
});

export const driftProfileSchema = z.strictObject({
  version: z.literal(1),
  rows: z.number().int().nonnegative(),
  sampleSize: z.number().int().positive(),
  seed: z.number().int(),
  foldShare: z.number().min(0).max(1),
  columns: z.record(
    z.string().min(1),
    z.discriminatedUnion('kind', [numericColumnSchema, categoricalColumnSchema]),
  ),
});

export type DriftProfile = z.infer<typeof driftProfileSchema>;
export type NumericColumnProfile = z.infer<typeof numericColumnSchema>;
export type CategoricalColumnProfile = z.infer<typeof categoricalColumnSchema>;

/** A numeric column's profile: a seeded subsample (bottom `sampleSize` by hash of seed and row index), its deciles and std. */
export function numericProfile(
  values: ArrayLike<number>,
  sampleSize: number,
  seed: number,
): NumericColumnProfile {
  const present: Array<{ value: number; rank: number }> = [];
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || Number.isNaN(v)) missing++;
    else present.push({ value: v, rank: eventHash(`${seed}:${i}`) });
  }
  const all = Float64Array.from(present, (p) => p.value).sort();
  const kept =
    present.length <= sampleSize
      ? all
      : Float64Array.from(
          present
            .sort((a, b) => a.rank - b.rank)
            .slice(0, sampleSize)
            .map((p) => p.value),
        ).sort();
  const edges = present.length > 0 ? decileEdges(all) : [];
  return {
    kind: 'numeric',
    count: present.length,
    missing,
    sample: Array.from(kept),
    edges,
    binCounts: binCounts(edges, all),
    std: populationStd(all),
  };
}

/** A categorical column's profile: counts per category, those under `foldShare` folded into OTHER, null or empty as MISSING. */
export function categoricalProfile(
  values: ArrayLike<string | null>,
  foldShare: number,
): CategoricalColumnProfile {
  const raw = new Map<string, number>();
  let missing = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || v === '') missing++;
    else raw.set(v, (raw.get(v) ?? 0) + 1);
  }
  const present = values.length - missing;
  const counts: Record<string, number> = {};
  const folded: string[] = [];
  let other = 0;
  for (const [category, n] of [...raw].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (present > 0 && n / present < foldShare) {
      folded.push(category);
      other += n;
    } else counts[category] = n;
  }
  if (other > 0) counts[OTHER] = other;
  if (missing > 0) counts[MISSING] = missing;
  return { kind: 'categorical', count: values.length, counts, folded };
}
