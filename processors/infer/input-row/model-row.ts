import { ConfigError } from '../../../core/errors.ts';
import type { ModelManifest } from '../model-manifest.ts';
import type { CompiledRow } from './compile-row.ts';
import { loadInputRow } from './load-input-row.ts';

/**
 * The model's input row compiled from the file its manifest names, checked to write exactly the
 * manifest's `features`, in order (the columns the model was trained on); undefined when the
 * manifest names none. A mismatch is a ConfigError naming the row file and the first column that
 * differs.
 */
export function loadModelRow(manifest: ModelManifest, eventSchema: unknown): CompiledRow | undefined {
  if (!manifest.inputRowPath) return undefined;
  const defaults = Object.fromEntries(
    Object.entries(manifest.featureView?.fields ?? {}).map(([name, field]) => [name, field.default]),
  );
  const row = loadInputRow(manifest.inputRowPath, eventSchema, defaults);
  const expected = manifest.features;
  const at = row.names.findIndex((name, i) => name !== expected[i]);
  if (at >= 0 || row.width !== expected.length) {
    const problem =
      at >= 0 && at < expected.length
        ? `column ${at} is "${row.names[at]}" where the manifest's features list "${expected[at]}"`
        : `it writes ${row.width} columns, the manifest's features list ${expected.length}`;
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `input row ${manifest.inputRowPath}: ${problem} (features of model manifest ${manifest.manifestPath})`,
      { subject: manifest.inputRowPath },
    );
  }
  return row;
}
