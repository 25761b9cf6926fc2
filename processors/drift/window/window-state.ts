import { binOf } from '../stats/quantiles.ts';
import { BottomKSample } from './bottom-k.ts';
import { eventHash } from './event-hash.ts';

/** What a window's state is cut by: each numeric column's reference bin edges, each categorical column's known categories. */
export interface WindowLayout {
  numeric: ReadonlyArray<{ name: string; edges: readonly number[] }>;
  categorical: ReadonlyArray<{ name: string; categories: readonly string[]; folded: readonly string[] }>;
  /** Events kept per window for the KS and Wasserstein tests (bottom-k by event-id hash). */
  sampleSize: number;
}

/** The buckets a categorical column counts besides its known categories. */
export const OTHER = 'OTHER';
export const UNSEEN = 'UNSEEN';
export const MISSING = 'MISSING';

/**
 * The mergeable state of one drift window: per numeric column the counts per reference bin (and
 * of missing values), per categorical column the counts per category (plus OTHER for categories the
 * profile folded, UNSEEN for values the reference never had, MISSING for null or empty), and one
 * bottom-k sample of events by event-id hash. Adding is O(columns) per event; merging two states
 * (two replicas, or two panes) gives exactly the state of one process that saw both sets of
 * events, in any order; counts can also be subtracted (a sliding window).
 */
export class WindowState {
  readonly layout: WindowLayout;
  count = 0;
  readonly binCounts: Float64Array[];
  readonly missingCounts: Float64Array;
  readonly categoryCounts: Array<Map<string, number>>;
  readonly sample: BottomKSample;
  readonly #lookup: Array<Map<string, string>>;

  constructor(layout: WindowLayout) {
    this.layout = layout;
    this.binCounts = layout.numeric.map((c) => new Float64Array(c.edges.length + 1));
    this.missingCounts = new Float64Array(layout.numeric.length);
    this.categoryCounts = layout.categorical.map(() => new Map());
    this.sample = new BottomKSample(layout.sampleSize);
    this.#lookup = layout.categorical.map((c) => {
      const map = new Map<string, string>();
      for (const category of c.categories) map.set(category, category);
      for (const category of c.folded) map.set(category, OTHER);
      return map;
    });
  }

  /** One event: its id, its value per numeric column (NaN when missing) and per categorical column (null when missing). */
  add(id: string, numeric: ArrayLike<number>, categorical: ArrayLike<string | null>): void {
    this.count++;
    const { numeric: columns } = this.layout;
    for (let c = 0; c < columns.length; c++) {
      const v = numeric[c]!;
      if (Number.isNaN(v)) this.missingCounts[c]!++;
      else this.binCounts[c]![binOf(columns[c]!.edges, v)]!++;
    }
    for (let c = 0; c < this.categoryCounts.length; c++) {
      const v = categorical[c];
      const bucket =
        v === null || v === undefined || v === '' ? MISSING : (this.#lookup[c]!.get(v) ?? UNSEEN);
      const counts = this.categoryCounts[c]!;
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    }
    const hash = eventHash(id);
    if (this.sample.admits(hash, id)) this.sample.add({ hash, id, values: Float64Array.from(numeric) });
  }

  /** Adds another state of the same layout: counts summed, samples merged. */
  merge(other: WindowState): void {
    this.#combine(other, 1);
    this.sample.merge(other.sample);
  }

  /** Removes another state's counts (a pane leaving a sliding window); the sample is rebuilt from the panes instead. */
  subtractCounts(other: WindowState): void {
    this.#combine(other, -1);
  }

  #combine(other: WindowState, sign: 1 | -1): void {
    this.count += sign * other.count;
    other.binCounts.forEach((counts, c) => {
      for (let b = 0; b < counts.length; b++) this.binCounts[c]![b]! += sign * counts[b]!;
    });
    for (let c = 0; c < other.missingCounts.length; c++)
      this.missingCounts[c]! += sign * other.missingCounts[c]!;
    other.categoryCounts.forEach((counts, c) => {
      const mine = this.categoryCounts[c]!;
      for (const [bucket, n] of counts) {
        const next = (mine.get(bucket) ?? 0) + sign * n;
        if (next === 0) mine.delete(bucket);
        else mine.set(bucket, next);
      }
    });
  }

  /** The ascending sampled values of numeric column `c` (missing values left out). */
  sampledValues(c: number): Float64Array {
    const values = this.sample
      .events()
      .map((e) => e.values[c]!)
      .filter((v) => !Number.isNaN(v));
    return Float64Array.from(values).sort();
  }

  /** A plain snapshot (for the partials topic and for comparing states). */
  toJSON(): object {
    return {
      count: this.count,
      binCounts: this.binCounts.map((c) => Array.from(c)),
      missingCounts: Array.from(this.missingCounts),
      categoryCounts: this.categoryCounts.map((m) =>
        Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1))),
      ),
      sample: this.sample.events().map((e) => ({ id: e.id, hash: e.hash, values: Array.from(e.values) })),
    };
  }
}
