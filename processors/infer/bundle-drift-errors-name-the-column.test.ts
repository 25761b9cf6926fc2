import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { SluiceError } from '../../core/errors.ts';
import { fraudBundle, loadModelBundle } from './model-bundle.ts';

const fraudDir = fileURLToPath(new URL('../../models/fraud/', import.meta.url));
const schemaPath = fileURLToPath(new URL('../../schemas/transaction-event.avsc', import.meta.url));
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as { fields: Array<{ name: string }> };
const manifest = JSON.parse(readFileSync(join(fraudDir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
const profile = JSON.parse(readFileSync(join(fraudDir, 'drift-profile.json'), 'utf8')) as {
  columns: Record<string, unknown>;
};
const drift = manifest.drift as {
  profile: string;
  eventFields: Record<string, string[]>;
  critical: string[];
};

const dir = mkdtempSync(join(tmpdir(), 'sluice-bundle-drift-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let written = 0;
/**
 * A copy of the fraud manifest in `dir` (its files pointed back at models/fraud) with `drift` changed,
 * and with a copy of the profile holding `profileColumns` when given: the manifest's path and the profile's.
 */
function bundleWith(
  changes: Partial<typeof drift>,
  profileColumns?: Record<string, unknown>,
): { path: string; profilePath: string } {
  const name = `case-${written++}`;
  let profilePath = join(fraudDir, drift.profile);
  if (profileColumns) {
    profilePath = join(dir, `${name}.profile.json`);
    writeFileSync(profilePath, JSON.stringify({ ...profile, columns: profileColumns }));
  }
  const path = join(dir, `${name}.json`);
  const copy = {
    ...manifest,
    file: join(fraudDir, manifest.file as string),
    inputRow: join(fraudDir, manifest.inputRow as string),
    eventSchema: schemaPath,
    golden: join(fraudDir, manifest.golden as string),
    drift: { ...drift, profile: profilePath, ...changes },
  };
  writeFileSync(path, JSON.stringify(copy));
  return { path, profilePath };
}

function failure(path: string): SluiceError {
  try {
    loadModelBundle(path, schema);
  } catch (error) {
    return error as SluiceError;
  }
  throw new Error(`expected ${path} to fail`);
}

const without = (name: string) =>
  Object.fromEntries(Object.entries(profile.columns).filter(([k]) => k !== name));

describe('a bad drift reference is a config error naming the manifest field or the profile column', () => {
  it('the fraud bundle loads its profile: every feature and the score numeric, its three event fields categorical', () => {
    const bundle = fraudBundle();
    expect(bundle.drift).toBeDefined();
    const { profile: loaded, categoricalFields, numericFields, critical, profilePath } = bundle.drift!;
    expect(profilePath).toBe(join(fraudDir, 'drift-profile.json'));
    expect(categoricalFields).toEqual(['merchant_category', 'channel', 'country']);
    expect(numericFields).toEqual([]);
    expect(critical).toEqual(['amount', 'merchant_category']);
    expect(Object.keys(loaded.columns).sort()).toEqual(
      [...bundle.manifest.features, 'score', 'merchant_category', 'channel', 'country'].sort(),
    );
    for (const name of [...bundle.manifest.features, 'score'])
      expect(loaded.columns[name]!.kind).toBe('numeric');
    expect(loaded.rows).toBe(200_000);
  });

  it('a profile file that does not exist', () => {
    const { path } = bundleWith({ profile: 'no-such-profile.json' });
    const error = failure(path);
    expect(error.code).toBe('SLUICE_CONFIG_INVALID');
    expect(error.name).toBe('ConfigError');
    expect(error.message).toBe(
      `drift profile ${join(dir, 'no-such-profile.json')} does not exist (field "drift.profile" of model manifest ${path}); models/fraud/train.py writes it with \`sluice drift profile\``,
    );
    expect(error.subject).toBe(`${path}#drift.profile`);
  });

  it('a profile that is not JSON, or not a profile', () => {
    const notJson = join(dir, 'not-json.json');
    writeFileSync(notJson, '{"version": 1,');
    const { path } = bundleWith({ profile: notJson });
    expect(failure(path).message).toMatch(
      new RegExp(
        `^drift profile ${notJson} is not valid JSON \\(field "drift.profile" of model manifest ${path}\\): `,
      ),
    );
    const bad = bundleWith({}, { ...profile.columns, amount: { kind: 'numeric', count: -1 } });
    const error = failure(bad.path);
    expect(error.message).toMatch(
      new RegExp(
        `^drift profile ${bad.profilePath}: field "columns\\.amount\\.count": .* \\(field "drift\\.profile" of model manifest ${bad.path}\\)$`,
      ),
    );
    expect(error.subject).toBe(`${bad.profilePath}#columns.amount.count`);
  });

  it('a feature the profile lacks, or has as categorical', () => {
    const { path, profilePath } = bundleWith({}, without('merchant_risk'));
    const error = failure(path);
    expect(error.message).toBe(
      `drift profile ${profilePath}: no column "merchant_risk" (field "features[10]" of model manifest ${path}; the profile needs every input-row column as numeric)`,
    );
    expect(error.subject).toBe(`${profilePath}#columns.merchant_risk`);
    const categorical = bundleWith({}, { ...profile.columns, amount: profile.columns.channel });
    expect(failure(categorical.path).message).toBe(
      `drift profile ${categorical.profilePath}: column "amount" is categorical, not numeric (field "features[0]" of model manifest ${categorical.path}; the profile needs every input-row column as numeric)`,
    );
  });

  it('a profile without a numeric score', () => {
    const { path, profilePath } = bundleWith({}, without('score'));
    expect(failure(path).message).toBe(
      `drift profile ${profilePath}: no column "score" (the model's score; profile it with --numeric …,score; field "drift.profile" of model manifest ${path})`,
    );
  });

  it('an event field the profile lacks, has as the other kind, or the event schema lacks', () => {
    const absent = bundleWith({}, without('country'));
    expect(failure(absent.path).message).toBe(
      `model manifest ${absent.path}: field "drift.eventFields.categorical[2]": "country" is not a column of drift profile ${absent.profilePath}`,
    );
    expect(failure(absent.path).subject).toBe(`${absent.path}#drift.eventFields.categorical[2]`);

    const { path: wrongKind } = bundleWith({ eventFields: { numeric: ['channel'], categorical: [] } });
    expect(failure(wrongKind).message).toBe(
      `model manifest ${wrongKind}: field "drift.eventFields.numeric[0]": column "channel" of drift profile ${join(fraudDir, 'drift-profile.json')} is categorical, not numeric`,
    );

    const { path: notInSchema } = bundleWith({
      eventFields: { numeric: [], categorical: ['merchant_category', 'device'] },
    });
    expect(failure(notInSchema).message).toBe(
      `model manifest ${notInSchema}: field "drift.eventFields.categorical[1]": "device" is not a field of the event schema (fields: ${schema.fields.map((f) => f.name).join(', ')})`,
    );

    const { path: twice } = bundleWith({ eventFields: { numeric: ['amount'], categorical: [] } });
    expect(failure(twice).message).toBe(
      `model manifest ${twice}: field "drift.eventFields.numeric[0]": "amount" is already watched (as a feature, the score or another event field)`,
    );
  });

  it('a critical column that is not watched', () => {
    const watched = bundleWith({ critical: ['score', 'amount', 'channel'] });
    expect(loadModelBundle(watched.path, schema).drift?.critical).toEqual(['score', 'amount', 'channel']);
    const { path } = bundleWith({ critical: ['score', 'event_id'] });
    const error = failure(path);
    expect(error.message).toBe(
      `model manifest ${path}: field "drift.critical[1]": "event_id" is not a watched column (the features, score and drift.eventFields)`,
    );
    expect(error.subject).toBe(`${path}#drift.critical[1]`);
  });

  it('without the row check (or before training) the profile is not read', () => {
    const { path } = bundleWith({ profile: 'no-such-profile.json' });
    expect(loadModelBundle(path, {}, { rowCheck: false, modelFile: false }).drift).toBeUndefined();
    expect(loadModelBundle(path, schema, { modelFile: false }).drift).toBeUndefined();
  });
});
