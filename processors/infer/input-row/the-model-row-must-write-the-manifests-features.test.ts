import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fraudBundle } from '../model-bundle.ts';

const FRAUD_FEATURES = fraudBundle().manifest.features;

import { codecs } from '../../../schemas/index.ts';
import { loadModelManifest } from '../model-manifest.ts';
import { loadModelRow } from './model-row.ts';

const schema = codecs.event.type.schema();

/** A copy of the fraud model folder with its input row rewritten by `patch`. */
function modelWithRow(patch: (row: { columns: Array<Record<string, unknown>> }) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-model-row-'));
  for (const file of ['manifest.json', 'model.onnx'])
    copyFileSync(join('models/fraud', file), join(dir, file));
  const row = JSON.parse(readFileSync('models/fraud/input-row.json', 'utf8'));
  patch(row);
  writeFileSync(join(dir, 'input-row.json'), JSON.stringify(row));
  return join(dir, 'manifest.json');
}

describe("the model's input row", () => {
  it('is compiled from the file the fraud manifest names, writing exactly its features', async () => {
    const manifest = await loadModelManifest('models/fraud/manifest.json');
    expect(manifest.inputRowPath).toMatch(/models\/fraud\/input-row\.json$/);
    const row = loadModelRow(manifest, schema);
    expect(row?.names).toEqual([...FRAUD_FEATURES]);
  });

  it('refuses a row whose columns differ from the manifest features, naming the file and the column', async () => {
    const swapped = modelWithRow((row) => {
      [row.columns[4], row.columns[5]] = [row.columns[5]!, row.columns[4]!];
    });
    const manifest = await loadModelManifest(swapped);
    expect(() => loadModelRow(manifest, schema)).toThrow(
      /input row .*input-row\.json: column 4 is "account_age_days" where the manifest's features list "txn_count_7d"/,
    );
  });

  it('refuses a row that writes fewer columns than the model takes', async () => {
    const manifest = await loadModelManifest(
      modelWithRow((row) => {
        row.columns.pop();
      }),
    );
    expect(() => loadModelRow(manifest, schema)).toThrow(
      /input row .*input-row\.json: it writes 11 columns, the manifest's features list 12/,
    );
  });
});
