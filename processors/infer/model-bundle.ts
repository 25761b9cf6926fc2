import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../../core/errors.ts';
import type { BundleDrift } from '../drift/profile/bundle-drift.ts';
import type { FeatureViewSpec } from '../enrich/index.ts';
import type { CompiledRow } from './input-row/compile-row.ts';
import { loadModelRow } from './input-row/model-row.ts';
import { loadBundleDrift } from './load-bundle-drift.ts';
import { type ModelManifest, type ModelOutput, modelOutputOf, readModelManifest } from './model-manifest.ts';

/** A model bundle, loaded: its manifest, its compiled input row, its store feature view, what its output means and its drift reference. */
export interface ModelBundle {
  manifest: ModelManifest;
  row: CompiledRow;
  /** The view's name in the bundle (a view of the config's `features.views`), when the model reads the store. */
  featureViewName: string | undefined;
  featureView: FeatureViewSpec;
  output: ModelOutput;
  /** The drift reference profile and watched columns (manifest field `drift`), when the manifest has one. */
  drift: BundleDrift | undefined;
}

/**
 * Loads the bundle whose manifest is `manifestPath` against the event schema (the parsed `.avsc`):
 * the manifest checked, its row compiled and checked to write exactly its `features`, and its
 * drift profile (field `drift`) checked to have those columns, `score` and the named event fields.
 * Every problem is a ConfigError naming the file and the field or column (exit 2). The ONNX model
 * itself is checked when a session loads it (or by `sluice bundle validate`). The drift profile is
 * skipped with `rowCheck: false`, and with `modelFile: false` (before training it does not exist yet).
 */
export function loadModelBundle(
  manifestPath: string,
  eventSchema: unknown,
  options: { modelFile?: boolean; rowCheck?: boolean } = {},
): ModelBundle {
  const manifest = readModelManifest(manifestPath, options);
  // Without the row check only the manifest is read (to find the bundle's event schema first).
  const row = options.rowCheck === false ? NO_ROW : loadModelRow(manifest, eventSchema);
  if (!row) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `model manifest ${manifest.manifestPath}: field "inputRow": name the input-row file (a list of columns, see README "Model bundles")`,
      { subject: `${manifest.manifestPath}#inputRow` },
    );
  }
  const fields = manifest.featureView?.fields ?? {};
  const featureView: FeatureViewSpec = {
    names: Object.keys(fields),
    defaults: Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, f.default])),
    types: Object.fromEntries(Object.entries(fields).map(([name, f]) => [name, f.type])),
  };
  return {
    manifest,
    row,
    featureViewName: manifest.featureView?.name,
    featureView,
    output: modelOutputOf(manifest),
    drift:
      options.rowCheck === false || options.modelFile === false
        ? undefined
        : loadBundleDrift(manifest, eventSchema),
  };
}

const NO_ROW: CompiledRow = Object.freeze({ width: 0, names: [], write: () => undefined });

let fraud: ModelBundle | undefined;

/** The fraud example's bundle (models/fraud), loaded once: the scoring topology's default model parts. */
export function fraudBundle(): ModelBundle {
  if (!fraud) {
    const schema = JSON.parse(
      readFileSync(new URL('../../schemas/transaction-event.avsc', import.meta.url), 'utf8'),
    );
    fraud = loadModelBundle(
      fileURLToPath(new URL('../../models/fraud/manifest.json', import.meta.url)),
      schema,
    );
  }
  return fraud;
}
