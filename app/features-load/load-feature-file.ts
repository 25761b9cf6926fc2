import { stat } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { featureWrite, toFeatureRecord } from '../../processors/enrich/feature-record.ts';
import type { FeatureViewConfig } from '../../processors/enrich/index.ts';
import { readFeatureFile } from './read-feature-file.ts';

/** A row the loader skipped, by its line in the file. */
export interface BadRow {
  lineNo: number;
  reason: string;
}

/** What a load did; the CLI prints it. */
export interface LoadSummary {
  loaded: number;
  badRows: BadRow[];
  elapsedMs: number;
  rowsPerSecond: number;
}

/** How a file is loaded into one view, and who hears about progress. */
export interface LoadOptions {
  file: string;
  client: Redis;
  view: FeatureViewConfig;
  /** Rows per pipeline (one round trip each). */
  batchSize: number;
  onProgress?: (progress: { bytesRead: number; totalBytes: number; loaded: number; bad: number }) => void;
}

/**
 * Loads a CSV or JSONL file into Redis in the view's layout, `batchSize` writes per pipeline. Bad
 * rows are collected with their line numbers and skipped; every good row is written.
 */
export async function loadFeatureFile(options: LoadOptions): Promise<LoadSummary> {
  const { client, view, batchSize } = options;
  const started = performance.now();
  const totalBytes = (await stat(options.file)).size;
  const fieldOrder = Object.keys(view.fields);
  const keyOf = (key: string) => view.keyTemplate.replace('{key}', key);
  const badRows: BadRow[] = [];
  let loaded = 0;
  let bytesRead = 0;
  let pipeline = client.pipeline();
  let queued = 0;

  const flush = async () => {
    if (queued === 0) return;
    const results = (await pipeline.exec()) ?? [];
    for (const [error] of results) if (error) throw error;
    loaded += queued;
    queued = 0;
    pipeline = client.pipeline();
    options.onProgress?.({ bytesRead, totalBytes, loaded, bad: badRows.length });
  };

  const now = Date.now();
  for await (const line of readFeatureFile(options.file, (n) => {
    bytesRead = n;
  })) {
    if ('error' in line) {
      badRows.push({ lineNo: line.lineNo, reason: line.error });
      continue;
    }
    const record = toFeatureRecord(line.row, view, now);
    if ('reasons' in record) {
      badRows.push({ lineNo: line.lineNo, reason: record.reasons.join('; ') });
      continue;
    }
    const write = featureWrite(record, view, fieldOrder);
    if (write.kind === 'set') pipeline.set(keyOf(record.key), write.value);
    else pipeline.hset(keyOf(record.key), write.fields);
    if (++queued >= batchSize) await flush();
  }
  await flush();
  options.onProgress?.({ bytesRead: totalBytes, totalBytes, loaded, bad: badRows.length });
  const elapsedMs = performance.now() - started;
  return { loaded, badRows, elapsedMs, rowsPerSecond: loaded / (elapsedMs / 1000) };
}
