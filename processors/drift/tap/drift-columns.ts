import type { ScoringItem } from '../../scoring-item.ts';
import { type BundleDrift, SCORE_COLUMN } from '../profile/bundle-drift.ts';
import type { DriftProfile } from '../profile/drift-profile.ts';
import { MISSING, OTHER, UNSEEN, type WindowLayout } from '../window/window-state.ts';

/**
 * Which columns a window watches and where each value comes from: the model's input-row columns
 * (read from the row the model was fed), the bundle's numeric event fields, the score, and the
 * categorical event fields. One layout for the tap and the aggregator, so their states line up.
 */
export interface DriftColumns {
  layout: WindowLayout;
  /** The numeric columns in layout order; the score is the last. */
  numericNames: readonly string[];
  categoricalNames: readonly string[];
  /** The index of `score` among the numeric columns. */
  scoreIndex: number;
  /**
   * Writes an item's values into the scratch rows `WindowState.addRows` reads, from `numericAt`
   * and `categoricalAt` on (NaN and null for missing).
   */
  fill(
    item: ScoringItem,
    numeric: Float64Array,
    numericAt: number,
    categorical: Array<string | null>,
    categoricalAt: number,
  ): void;
}

const BUCKETS = new Set([OTHER, UNSEEN, MISSING]);

function numberOf(value: unknown): number {
  if (typeof value === 'number') return Number.isFinite(value) ? value : Number.NaN;
  if (typeof value === 'bigint') return Number(value);
  return Number.NaN;
}

function categoryOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return null;
}

/** The layout of `drift`'s columns for a model whose input row has the columns `rowNames`. */
export function driftColumns(
  drift: BundleDrift,
  rowNames: readonly string[],
  sampleSize: number,
): DriftColumns {
  const { profile } = drift;
  const numericOf = (name: string) => {
    const column = profile.columns[name];
    if (column?.kind !== 'numeric') throw new RangeError(`the drift profile has no numeric column "${name}"`);
    return { name, edges: column.edges };
  };
  const rowColumns = rowNames.filter((name) => profile.columns[name]?.kind === 'numeric');
  const rowIndex = Int32Array.from(rowColumns, (name) => rowNames.indexOf(name));
  const eventNumeric = [...drift.numericFields];
  const numericNames = [...rowColumns, ...eventNumeric, SCORE_COLUMN];
  const categoricalNames = [...drift.categoricalFields];
  const layout: WindowLayout = {
    numeric: numericNames.map(numericOf),
    categorical: categoricalNames.map((name) => categoricalLayout(profile, name)),
    sampleSize,
  };
  const scoreIndex = numericNames.length - 1;
  return {
    layout,
    numericNames,
    categoricalNames,
    scoreIndex,
    fill: compileFill(rowIndex, eventNumeric, categoricalNames, scoreIndex),
  };
}

/**
 * The `fill` of these columns, generated once so each event field is a property read by a constant
 * name (a variable key would make every read of the tap's hot loop a megamorphic lookup). Names go
 * into the source only through JSON.stringify.
 */
function compileFill(
  rowIndex: Int32Array,
  eventNumeric: readonly string[],
  categorical: readonly string[],
  scoreIndex: number,
): DriftColumns['fill'] {
  const rowReads = Array.from(rowIndex, (r, c) => `numeric[n + ${c}] = row[${r}];`).join('\n      ');
  const rowMissing = Array.from(rowIndex, (_, c) => `numeric[n + ${c}] = NaN;`).join('\n      ');
  const source = `return function fill(item, numeric, n, categorical, k) {
    const row = item.row;
    const event = item.event;
    if (row !== undefined) {
      ${rowReads}
    } else {
      ${rowMissing}
    }
    ${eventNumeric.map((name, f) => `numeric[n + ${rowIndex.length + f}] = numberOf(event[${JSON.stringify(name)}]);`).join('\n    ')}
    numeric[n + ${scoreIndex}] = numberOf(item.score);
    ${categorical.map((name, c) => `categorical[k + ${c}] = categoryOf(event[${JSON.stringify(name)}]);`).join('\n    ')}
  };`;
  return new Function('numberOf', 'categoryOf', source)(numberOf, categoryOf) as DriftColumns['fill'];
}

function categoricalLayout(profile: DriftProfile, name: string) {
  const column = profile.columns[name];
  if (column?.kind !== 'categorical')
    throw new RangeError(`the drift profile has no categorical column "${name}"`);
  return {
    name,
    categories: Object.keys(column.counts).filter((c) => !BUCKETS.has(c)),
    folded: column.folded,
  };
}
