import { readFeatureFile } from '../features-load/read-feature-file.ts';

/** A file's rows as columns: each column's raw cells in row order (undefined where a row lacks it). */
export interface FileColumns {
  rows: number;
  columns: Map<string, unknown[]>;
  badLines: Array<{ lineNo: number; reason: string }>;
}

/** Reads a CSV (header line first) or JSONL file into columns; a line that does not parse is kept aside with its number. */
export async function readColumns(path: string): Promise<FileColumns> {
  const columns = new Map<string, unknown[]>();
  const badLines: FileColumns['badLines'] = [];
  let rows = 0;
  for await (const line of readFeatureFile(path, () => undefined, null)) {
    if ('error' in line) {
      badLines.push({ lineNo: line.lineNo, reason: line.error });
      continue;
    }
    for (const [name, value] of Object.entries(line.row)) {
      let column = columns.get(name);
      if (!column) {
        column = new Array(rows);
        columns.set(name, column);
      }
      column[rows] = value;
    }
    rows++;
  }
  // A row without a column has it missing: holes become undefined (map and forEach skip holes).
  for (const [name, column] of columns) {
    column.length = rows;
    columns.set(name, Array.from(column));
  }
  return { rows, columns, badLines };
}

/** A cell as a number: a JSON number, or a CSV cell that parses as one; NaN when missing or not a number. */
export function asNumber(cell: unknown): number {
  if (typeof cell === 'number') return cell;
  if (typeof cell === 'string' && cell.trim() !== '') return Number(cell);
  return Number.NaN;
}

/** A cell as a category: a string as it is, a number or boolean as its text; null when missing or empty. */
export function asCategory(cell: unknown): string | null {
  if (cell === null || cell === undefined || cell === '') return null;
  return typeof cell === 'string' ? cell : String(cell);
}

/** Whether every present cell of a column is a number (then it is numeric unless named categorical). */
export function looksNumeric(cells: readonly unknown[]): boolean {
  let any = false;
  for (const cell of cells) {
    if (cell === null || cell === undefined || cell === '') continue;
    if (!Number.isFinite(asNumber(cell))) return false;
    any = true;
  }
  return any;
}
