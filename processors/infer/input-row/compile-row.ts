import { type ColumnSpec, columnNames, type Operand, type RowSpec } from './row-spec.ts';

/** What a column may read from an event field: a number, a boolean (1/0) or a string (enums too). */
export type FieldKind = 'number' | 'boolean' | 'string';

/** What the row is compiled against: the event's fields and the store features with their defaults. */
export interface RowContext {
  readonly eventFields: ReadonlyMap<string, FieldKind>;
  readonly featureDefaults: Readonly<Record<string, number>>;
}

/** A row spec that cannot be compiled: which column (its index and name), and why. */
export class RowSpecError extends Error {
  readonly column: number;
  readonly columnName: string;
  readonly detail: string;
  constructor(column: number, columnName: string, detail: string) {
    super(`columns[${column}] "${columnName}": ${detail}`);
    this.name = 'RowSpecError';
    this.column = column;
    this.columnName = columnName;
    this.detail = detail;
  }
}

/** A compiled input row: its width, its column names, and the writer the infer stage calls per event. */
export interface CompiledRow {
  readonly width: number;
  readonly names: readonly string[];
  /** Writes one row into `out[offset .. offset + width)`; allocates nothing. */
  write(event: object, features: Readonly<Record<string, number>>, out: Float32Array, offset: number): void;
}

const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;

/**
 * Compiles a row spec once, at load, into one straight-line function (as fast as a hand-written
 * writer: no per-column dispatch, no allocation). Names and string constants enter the source only
 * through JSON.stringify, numbers only once checked finite, and lookup tables as captured Maps (`t0`, `t1`, ...), so
 * a spec can never inject code. Throws RowSpecError for a field the event does not have, a field
 * of the wrong kind, a store feature without a default, or a column name used twice.
 */
export function compileRow(spec: RowSpec, context: RowContext): CompiledRow {
  const names = columnNames(spec);
  const reads = new Map<string, { local: string; expression: string }>();
  const tables: Array<ReadonlyMap<string, number>> = [];
  const lines: string[] = [];
  const seen = new Set<string>();
  let offset = 0;

  spec.forEach((column, index) => {
    const fail = (message: string) => new RowSpecError(index, column.name, message);
    const read = (operand: Operand, kinds: readonly FieldKind[]): string => {
      if ('feature' in operand) {
        const fallback = context.featureDefaults[operand.feature];
        if (fallback === undefined)
          throw fail(`store feature "${operand.feature}" is not in the bundle's feature view`);
        return local(reads, `f:${operand.feature}`, `(features[${q(operand.feature)}] ?? ${num(fallback)})`);
      }
      const kind = context.eventFields.get(operand.field);
      if (kind === undefined) throw fail(`field "${operand.field}" is not in the event schema`);
      if (!kinds.includes(kind))
        throw fail(`field "${operand.field}" is a ${kind}; this transform needs a ${kinds.join(' or ')}`);
      const value = `event[${q(operand.field)}]`;
      return local(reads, `e:${operand.field}`, kind === 'boolean' ? `(${value} ? 1 : 0)` : value);
    };
    const numeric = (operand: Operand) => read(operand, ['number', 'boolean']);
    const text = (field: string) => read({ field }, ['string']);

    for (const n of columnNames([column])) {
      if (seen.has(n)) throw fail(`the column name "${n}" is used twice`);
      seen.add(n);
    }
    for (const expression of columnExpressions(column, numeric, text, tables, fail)) {
      lines.push(`out[offset + ${offset}] = ${expression};`);
      offset++;
    }
  });
  const declarations = [...reads.values()].map((r) => `const ${r.local} = ${r.expression};`);
  const source = `'use strict';\nreturn function writeRow(event, features, out, offset) {\n${[...declarations, ...lines].join('\n')}\n};`;
  // Each table is a parameter of its own (t0, t1, ...): a captured binding, not an array to index.
  const write = new Function(...tables.map((_, i) => `t${i}`), source)(...tables) as CompiledRow['write'];
  return Object.freeze({ width: offset, names: Object.freeze(names), write });
}

function columnExpressions(
  column: ColumnSpec,
  numeric: (operand: Operand) => string,
  text: (field: string) => string,
  tables: Array<ReadonlyMap<string, number>>,
  fail: (message: string) => RowSpecError,
): string[] {
  switch (column.transform) {
    case 'value':
      return [numeric(column.of)];
    case 'log1p':
      return [`Math.log1p(${numeric(column.of)})`];
    case 'ratio':
      return [
        `${numeric(column.numerator)} / Math.max(${numeric(column.denominator)}, ${num(column.minDenominator)})`,
      ];
    case 'zscore':
      return [
        `(${numeric(column.of)} - ${numeric(column.mean)}) / Math.max(${numeric(column.std)}, ${num(column.minStd)})`,
      ];
    case 'hourOfDay': {
      const t = numeric({ field: column.field });
      // Modulo twice: a time before 1970 would otherwise give a negative hour.
      return [`Math.floor((((${t} % ${MS_PER_DAY}) + ${MS_PER_DAY}) % ${MS_PER_DAY}) / ${MS_PER_HOUR})`];
    }
    case 'equals':
      return [`(${text(column.field)} === ${q(column.value)} ? 1 : 0)`];
    case 'notEquals':
      return [`(${text(column.field)} === ${q(column.value)} ? 0 : 1)`];
    case 'oneHot': {
      if (column.names && column.names.length !== column.values.length)
        throw fail(`"names" has ${column.names.length} entries for ${column.values.length} values`);
      if (new Set(column.values).size !== column.values.length) throw fail('"values" repeats a value');
      const s = text(column.field);
      return column.values.map((v) => `(${s} === ${q(v)} ? 1 : 0)`);
    }
    case 'lookup': {
      const s = text(column.field);
      tables.push(new Map(Object.entries(column.table)));
      return [`(t${tables.length - 1}.get(${s}) ?? ${num(column.default)})`];
    }
  }
}

/** Each distinct read becomes one local, read once per row however many columns use it. */
function local(reads: Map<string, { local: string; expression: string }>, id: string, expression: string) {
  let read = reads.get(id);
  if (!read) {
    read = { local: `v${reads.size}`, expression };
    reads.set(id, read);
  }
  return read.local;
}

function q(text: string): string {
  return JSON.stringify(text);
}

function num(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return Object.is(value, -0) ? '-0' : String(value);
}
