import { once } from 'node:events';
import { createWriteStream, statSync } from 'node:fs';
import type avro from 'avsc';
import { ConfigError, errorMessage } from '../../core/errors.ts';
import { MemoryFeatureStore } from '../../processors/enrich/index.ts';
import { loadModelBundle } from '../../processors/infer/index.ts';
import { type AvroCodec, readSchemaFile } from '../../schemas/index.ts';
import { readEventFile } from '../event-files/read-event-file.ts';
import { formatRow } from './format-float32.ts';

export interface TrainingRowsOptions {
  manifest: string;
  schema: string;
  events: string;
  /** JSONL seed of the store features, one entity per line (the memory store's format). */
  features?: string | undefined;
  out: string;
  keyField: string;
  /** A field of each event copied after the row as `label`. */
  labelField?: string | undefined;
  onProgress?: (bytesRead: number, totalBytes: number, rows: number) => void;
}

export interface TrainingRowsSummary {
  rows: number;
  columns: readonly string[];
  badLines: Array<{ lineNo: number; reason: string }>;
}

const CHUNK = 1000;

/**
 * Writes a model's training rows with the bundle's own compiled row writer, the one the server
 * runs: each event of the file, with its entity's store features (defaults where absent), becomes
 * one CSV line of the manifest's features (and the label). Training and serving cannot drift.
 */
export async function writeTrainingRows(options: TrainingRowsOptions): Promise<TrainingRowsSummary> {
  let schema: avro.Schema;
  let codec: AvroCodec<object>;
  try {
    ({ schema, codec } = readSchemaFile<object>(options.schema));
  } catch (error) {
    throw new ConfigError('SLUICE_CONFIG_INVALID', `--schema ${options.schema}: ${errorMessage(error)}`, {
      subject: '--schema',
    });
  }
  // Before the first training there is no model file yet: the row needs only the manifest and the row file.
  const bundle = loadModelBundle(options.manifest, schema, { modelFile: false });
  const store = options.features
    ? await MemoryFeatureStore.fromJsonl(options.features)
    : new MemoryFeatureStore();
  const { row } = bundle;
  const vector = new Float32Array(row.width);
  const out = createWriteStream(options.out);
  out.write(`${row.names.join(',')}${options.labelField ? ',label' : ''}\n`);
  const totalBytes = statSync(options.events).size;
  const badLines: TrainingRowsSummary['badLines'] = [];
  let rows = 0;
  let bytes = 0;
  let pending: Array<Record<string, unknown>> = [];

  const flush = async () => {
    const found = await store.getMany(pending.map((e) => String(e[options.keyField])));
    let text = '';
    pending.forEach((event, i) => {
      row.write(event, found[i]?.values ?? {}, vector, 0);
      text += `${formatRow(vector, row.width, options.labelField ? String(event[options.labelField]) : undefined)}\n`;
    });
    rows += pending.length;
    pending = [];
    if (!out.write(text)) await once(out, 'drain');
    options.onProgress?.(bytes, totalBytes, rows);
  };

  const extra = options.labelField ? [options.labelField] : [];
  for await (const line of readEventFile(
    options.events,
    codec.type,
    (n) => {
      bytes = n;
    },
    extra,
  )) {
    if ('error' in line) {
      badLines.push({ lineNo: line.lineNo, reason: line.error });
      continue;
    }
    pending.push(line.event);
    if (pending.length === CHUNK) await flush();
  }
  if (pending.length > 0) await flush();
  out.end();
  await once(out, 'finish');
  return { rows, columns: row.names, badLines };
}
