import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

/** One data line of a feature file: its 1-based line number and its fields, or why it cannot be read. */
export type FileRow = { lineNo: number; row: Record<string, unknown> } | { lineNo: number; error: string };

/**
 * Reads a CSV (header line first) or JSONL file line by line, by extension, and reports the bytes
 * read so far for progress. A line that does not parse is yielded as an error; reading goes on.
 * A CSV's header must name `requiredColumn` (the entity key), unless it is null.
 */
export async function* readFeatureFile(
  path: string,
  onBytes: (bytesRead: number) => void,
  requiredColumn: string | null = 'key',
): AsyncGenerator<FileRow> {
  const format = path.endsWith('.csv')
    ? 'csv'
    : path.endsWith('.jsonl') || path.endsWith('.ndjson')
      ? 'jsonl'
      : undefined;
  if (!format) throw new Error(`${path}: unknown format; name it *.csv or *.jsonl`);
  const input = createReadStream(path);
  let bytesRead = 0;
  input.on('data', (chunk) => {
    bytesRead += chunk.length;
    onBytes(bytesRead);
  });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let header: string[] | undefined;
  let lineNo = 0;
  for await (const line of lines) {
    lineNo++;
    if (line.trim() === '') continue;
    if (format === 'jsonl') {
      yield parseJsonLine(line, lineNo);
      continue;
    }
    const cells = splitCsvLine(line);
    if (!header) {
      header = cells.map((c) => c.trim());
      if (requiredColumn !== null && !header.includes(requiredColumn))
        throw new Error(`${path}:1: the CSV header needs a "${requiredColumn}" column`);
      continue;
    }
    if (cells.length !== header.length) {
      yield {
        lineNo,
        error: `expected ${header.length} columns (${header.join(',')}), found ${cells.length}`,
      };
      continue;
    }
    const row: Record<string, unknown> = {};
    for (let i = 0; i < header.length; i++) row[header[i]!] = cells[i]!.trim();
    yield { lineNo, row };
  }
}

function parseJsonLine(line: string, lineNo: number): FileRow {
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return { lineNo, error: 'expected a JSON object' };
    }
    return { lineNo, row: parsed as Record<string, unknown> };
  } catch (error) {
    return { lineNo, error: `not JSON: ${(error as Error).message}` };
  }
}

/** Splits one CSV line; double quotes may wrap a cell, and `""` inside them is a quote. */
export function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}
