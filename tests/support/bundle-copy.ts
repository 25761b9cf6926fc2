import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// biome-ignore lint/suspicious/noExplicitAny: a test patches bundle files of any shape, as an author's mistake would
type Json = Record<string, any>;

/**
 * A copy of an example bundle (models/<name>) in a temp folder, with its manifest and input row
 * patched by the test: what a bundle author's mistake looks like on disk. The event schema path
 * is made absolute, so a schema outside the bundle (the fraud one) is still found.
 */
export function bundleCopy(
  name: 'fraud' | 'sensor',
  patch: { manifest?: (m: Json) => void; row?: (r: Json) => void; golden?: (g: Json) => void } = {},
): string {
  const source = resolve('models', name);
  const dir = join(mkdtempSync(join(tmpdir(), `sluice-bundle-${name}-`)), name);
  cpSync(source, dir, { recursive: true, filter: (path) => !path.includes(`${name}/data`) });
  const edit = (file: string, change: ((json: Json) => void) | undefined, always?: (json: Json) => void) => {
    const path = join(dir, file);
    const json = JSON.parse(readFileSync(path, 'utf8')) as Json;
    always?.(json);
    change?.(json);
    writeFileSync(path, JSON.stringify(json, null, 1));
  };
  edit('manifest.json', patch.manifest, (m) => {
    if (m.eventSchema) m.eventSchema = resolve(source, m.eventSchema);
  });
  edit('input-row.json', patch.row);
  edit('golden.json', patch.golden);
  return dir;
}
