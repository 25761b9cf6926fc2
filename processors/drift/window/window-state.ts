import { type BinCounter, binCounter } from './bin-counter.ts';
import { BottomKSample } from './bottom-k.ts';
import { eventHash } from './event-hash.ts';
import { decodeSampleValues, type EncodedSample, encodeSample } from './sample-codec.ts';

/** What a window's state is cut by: each numeric column's reference bin edges, each categorical column's known categories. */
export interface WindowLayout {
  numeric: ReadonlyArray<{ name: string; edges: readonly number[] }>;
  categorical: ReadonlyArray<{ name: string; categories: readonly string[]; folded: readonly string[] }>;
  /** Events kept per window for the KS and Wasserstein tests (bottom-k by event-id hash). */
  sampleSize: number;
}

/** A window state as plain JSON (`WindowState.toJSON`): what a partial carries. */
export interface WindowStateJson {
  count: number;
  binCounts: number[][];
  missingCounts: number[];
  categoryCounts: Array<Record<string, number>>;
  /** The sample in (hash, id) order: ids, and values as base64 doubles (sample-codec.ts). */
  sample: EncodedSample;
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
  readonly sample: BottomKSample;
  /** Per categorical column, the index of each known or folded category among its buckets. */
  readonly #lookup: Array<Map<string, number>>;
  /** The bin counts of every numeric column one after the other; `binCounts` are views of it. */
  readonly #bins: Float64Array;
  readonly #countBins: BinCounter;
  /** Per categorical column: its buckets (the layout's categories, then OTHER, UNSEEN, MISSING) and their counts. */
  readonly #buckets: string[][];
  readonly #bucketCounts: Float64Array[];

  constructor(layout: WindowLayout) {
    this.layout = layout;
    this.#bins = new Float64Array(layout.numeric.reduce((n, c) => n + c.edges.length + 1, 0));
    let offset = 0;
    this.binCounts = layout.numeric.map((c) => {
      offset += c.edges.length + 1;
      return this.#bins.subarray(offset - c.edges.length - 1, offset);
    });
    this.#countBins = binCounter(layout.numeric);
    this.missingCounts = new Float64Array(layout.numeric.length);
    this.sample = new BottomKSample(layout.sampleSize, layout.numeric.length);
    this.#buckets = layout.categorical.map((c) => [...c.categories, OTHER, UNSEEN, MISSING]);
    this.#bucketCounts = this.#buckets.map((b) => new Float64Array(b.length));
    this.#lookup = layout.categorical.map((c) => {
      const map = new Map<string, number>();
      c.categories.forEach((category, i) => {
        map.set(category, i);
      });
      for (const category of c.folded) map.set(category, c.categories.length);
      return map;
    });
  }

  /** Per categorical column, the counts of its buckets that are not zero. */
  get categoryCounts(): Array<Map<string, number>> {
    return this.#buckets.map((buckets, c) => {
      const counts = this.#bucketCounts[c]!;
      const map = new Map<string, number>();
      buckets.forEach((bucket, b) => {
        if (counts[b] !== 0) map.set(bucket, counts[b]!);
      });
      return map;
    });
  }

  /** One event: its id, its value per numeric column (NaN when missing) and per categorical column (null when missing). */
  add(id: string, numeric: ArrayLike<number>, categorical: ArrayLike<string | null>): void {
    this.addRows([id], Float64Array.from(numeric), Array.from(categorical), 1);
  }

  /**
   * The first `rows` events of a batch, row-major: `ids[i]`, `numeric[i·W + c]` for the W numeric
   * columns (NaN when missing) and `categorical[i·K + c]` for the K categorical ones (null when
   * missing). The tap's hot path: the layout's compiled bin counter, a map lookup per category,
   * and one hash per event for the sample.
   */
  addRows(
    ids: readonly string[],
    numeric: Float64Array,
    categorical: ReadonlyArray<string | null>,
    rows: number,
  ): void {
    this.count += rows;
    this.#countBins(numeric, rows, this.#bins, this.missingCounts);
    const lookup = this.#lookup;
    const width = lookup.length;
    for (let c = 0; c < width; c++) {
      const known = lookup[c]!;
      const buckets = this.#bucketCounts[c]!;
      // OTHER, UNSEEN and MISSING are the last three buckets.
      const missing = buckets.length - 1;
      for (let i = 0, at = c; i < rows; i++, at += width) {
        const v = categorical[at];
        buckets[v === null || v === undefined || v === '' ? missing : (known.get(v) ?? missing - 1)]!++;
      }
    }
    const sample = this.sample;
    const numericWidth = this.missingCounts.length;
    for (let i = 0; i < rows; i++) {
      const id = ids[i]!;
      const hash = eventHash(id);
      if (sample.admits(hash, id)) sample.add(hash, id, numeric, i * numericWidth);
    }
  }

  /** Adds another state of the same layout: counts summed, samples merged. */
  merge(other: WindowState): void {
    this.#combine(other, 1);
    this.sample.merge(other.sample);
  }

  /** Adds another state's counts only (a pane entering a sliding window's running counts). */
  addCounts(other: WindowState): void {
    this.#combine(other, 1);
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
    other.#bucketCounts.forEach((counts, c) => {
      const mine = this.#bucketCounts[c]!;
      for (let b = 0; b < counts.length; b++) mine[b]! += sign * counts[b]!;
    });
  }

  /** The ascending sampled values of numeric column `c` (missing values left out). */
  sampledValues(c: number): Float64Array {
    const column = this.sample.column(c);
    let kept = 0;
    for (let i = 0; i < column.length; i++) if (!Number.isNaN(column[i]!)) column[kept++] = column[i]!;
    return column.subarray(0, kept).sort();
  }

  /**
   * The state a snapshot (`toJSON`, as the partials topic carries it) describes, for this layout.
   * Throws a RangeError naming what does not fit the layout; hashes are recomputed from the ids.
   */
  static fromJSON(layout: WindowLayout, json: WindowStateJson): WindowState {
    const state = new WindowState(layout);
    const fits = (what: string, got: number, want: number) => {
      if (got !== want) throw new RangeError(`${what}: ${got} entries where the layout has ${want}`);
    };
    fits('binCounts', json.binCounts.length, layout.numeric.length);
    fits('missingCounts', json.missingCounts.length, layout.numeric.length);
    fits('categoryCounts', json.categoryCounts.length, layout.categorical.length);
    state.count = json.count;
    json.binCounts.forEach((counts, c) => {
      fits(
        `binCounts[${c}] (${layout.numeric[c]!.name})`,
        counts.length,
        layout.numeric[c]!.edges.length + 1,
      );
      state.binCounts[c]!.set(counts);
    });
    state.missingCounts.set(json.missingCounts);
    json.categoryCounts.forEach((counts, c) => {
      const buckets = state.#buckets[c]!;
      for (const [bucket, n] of Object.entries(counts)) {
        const b = buckets.indexOf(bucket);
        if (b < 0)
          throw new RangeError(
            `categoryCounts[${c}] (${layout.categorical[c]!.name}): no bucket "${bucket}"`,
          );
        state.#bucketCounts[c]![b] = n;
      }
    });
    const width = layout.numeric.length;
    const values = decodeSampleValues(json.sample, width);
    json.sample.ids.forEach((id, i) => {
      state.sample.add(eventHash(id), id, values, i * width);
    });
    return state;
  }

  /** A plain snapshot (for the partials topic and for comparing states). */
  toJSON(): WindowStateJson {
    return {
      count: this.count,
      binCounts: this.binCounts.map((c) => Array.from(c)),
      missingCounts: Array.from(this.missingCounts),
      categoryCounts: this.categoryCounts.map((m) =>
        Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : 1))),
      ),
      sample: encodeSample(this.sample.events(), this.layout.numeric.length),
    };
  }
}
