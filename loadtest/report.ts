import { mkdirSync, writeFileSync } from 'node:fs';
import { arch, cpus, platform } from 'node:os';
import { join } from 'node:path';

/** A printed table: the header row, then one row per measurement. */
export interface Table {
  title: string;
  columns: string[];
  rows: Array<Array<string | number>>;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function formatNumber(value: number, digits = 0): string {
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function printTable(table: Table): void {
  const cells = [table.columns, ...table.rows.map((row) => row.map(String))];
  const widths = table.columns.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]) =>
    row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  process.stdout.write(
    `\n${table.title}\n${line(table.columns)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`,
  );
  for (const row of cells.slice(1)) process.stdout.write(`${line(row)}\n`);
}

/** Writes the results as JSON under bench-results/ with the machine they were taken on. */
export function writeJson(name: string, results: unknown): string {
  const dir = 'bench-results';
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = {
    node: process.version,
    platform: platform(),
    arch: arch(),
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
  };
  writeFileSync(
    path,
    `${JSON.stringify({ name, takenAt: new Date().toISOString(), machine, results }, null, 2)}\n`,
  );
  writeFileSync(
    join(dir, `${name}-latest.json`),
    `${JSON.stringify({ name, takenAt: new Date().toISOString(), machine, results }, null, 2)}\n`,
  );
  return path;
}
