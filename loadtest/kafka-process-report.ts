/** The extra tables of `bench kafka`: CPU by thread, memory by kind, the controller's decisions. */
import { readFileSync } from 'node:fs';

import type { SluiceClient } from './kafka-bench-setup.ts';
import type { DrainResult } from './kafka-process-bench.ts';
import type { MemoryBreakdown } from './memory-sampler.ts';
import { formatNumber, median, printTable } from './report.ts';

/** The memory breakdown at the highest RSS of each client's last run. */
export function printMemory(clients: SluiceClient[], results: Map<SluiceClient, DrainResult[]>): void {
  const peaks = clients.map((c) => results.get(c)!.at(-1)?.memory);
  const spaces = [...new Set(peaks.flatMap((p) => Object.keys(p?.heapSpacesMiB ?? {})))];
  const row = (label: string, f: (p: MemoryBreakdown) => number) => [
    label,
    ...peaks.map((p) => (p === undefined ? '-' : formatNumber(f(p), 1))),
  ];
  printTable({
    title: "Memory at the highest RSS while draining (MiB, the last run), from Sluice's /metrics",
    columns: ['', ...clients],
    rows: [
      row('RSS', (p) => p.rssMiB),
      ...spaces.map((space) => row(`heap: ${space}`, (p) => p.heapSpacesMiB[space] ?? 0)),
      row('external (Buffers, ArrayBuffers)', (p) => p.externalMiB),
      row('rest (native: client queues, ONNX Runtime, worker isolates, code)', (p) => p.restMiB),
    ],
  });
}

/** CPU per 100k events by thread kind and client (medians over the runs). */
export function printThreads(clients: SluiceClient[], results: Map<SluiceClient, DrainResult[]>): void {
  const kinds = [...new Set(clients.flatMap((c) => results.get(c)!.flatMap((d) => Object.keys(d.threads))))];
  const rows = kinds
    .map((kind) => ({
      kind,
      values: clients.map((c) => median(results.get(c)!.map((d) => d.threads[kind] ?? 0))),
    }))
    .filter((row) => row.values.some((v) => v >= 0.01))
    .sort((a, b) => Math.max(...b.values) - Math.max(...a.values));
  printTable({
    title:
      'Where the CPU goes: CPU seconds per 100k events by thread, from the first prediction read back to the last (median)',
    columns: ['thread', ...clients],
    rows: rows.map((r) => [r.kind, ...r.values.map((v) => formatNumber(v, 2))]),
  });
}

/** The latency-budget controller's trail from a run's log (debug lines), one row per interval. */
export function printDecisions(logFile: string): void {
  const rows: Array<Array<string | number>> = [];
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    if (!line.includes('latency budget: interval')) continue;
    const d = JSON.parse(line) as Record<string, number | string | null>;
    const cell = (v: number | string | null | undefined) => (v === null || v === undefined ? '-' : v);
    rows.push([
      cell(d.p99Ms),
      cell(d.deliveredPerSec),
      `${d.full}/${d.batches}`,
      cell(d.batchSize),
      cell(d.maxInFlight),
      cell(d.reason),
    ]);
  }
  if (rows.length === 0) {
    process.stdout.write(`no controller decisions in ${logFile} (is batch.latencyBudgetMs set?)\n`);
    return;
  }
  printTable({
    title: `Latency-budget controller, every interval (${logFile})`,
    columns: ['p99 ms', 'delivered/s', 'full batches', 'batch size', 'in-flight bound', 'decision'],
    rows,
  });
}
