import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, errorMessage } from '../../core/errors.ts';
import { type BundleDrift, SCORE_COLUMN } from '../drift/profile/bundle-drift.ts';
import { type DriftProfile, driftProfileSchema } from '../drift/profile/drift-profile.ts';
import type { ModelManifest } from './model-manifest.ts';

type Kind = 'numeric' | 'categorical';

function invalid(message: string, subject: string): never {
  throw new ConfigError('SLUICE_CONFIG_INVALID', message, { subject });
}

/** Reads and validates the profile file; every problem names the file and the manifest field that points at it. */
function readProfile(path: string, manifestPath: string): DriftProfile {
  const from = `(field "drift.profile" of model manifest ${manifestPath})`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const missing = error instanceof Error && 'code' in error && error.code === 'ENOENT';
    invalid(
      missing
        ? `drift profile ${path} does not exist ${from}; models/fraud/train.py writes it with \`sluice drift profile\``
        : `cannot read drift profile ${path} ${from}: ${errorMessage(error)}`,
      `${manifestPath}#drift.profile`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    invalid(`drift profile ${path} is not valid JSON ${from}: ${errorMessage(error)}`, path);
  }
  const parsed = driftProfileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    invalid(
      `drift profile ${path}: field "${field}": ${issue?.message ?? 'invalid'} ${from}`,
      `${path}#${field}`,
    );
  }
  return parsed.data;
}

/**
 * The bundle's drift reference (manifest field `drift`), loaded by `loadModelBundle` after the row:
 * the profile must have every manifest feature and `score` as numeric columns, and each named event
 * field in the event schema and in the profile with its kind; `critical` names watched columns only.
 * Undefined when the manifest has no `drift`. Every problem is a ConfigError (SLUICE_CONFIG_INVALID)
 * naming the manifest field or the profile column.
 */
export function loadBundleDrift(manifest: ModelManifest, eventSchema: unknown): BundleDrift | undefined {
  const { drift, manifestPath } = manifest;
  if (!drift) return undefined;
  const profilePath = resolve(dirname(manifestPath), drift.profile);
  const profile = readProfile(profilePath, manifestPath);
  const kindOf = (name: string): Kind | undefined =>
    Object.hasOwn(profile.columns, name) ? profile.columns[name]!.kind : undefined;

  manifest.features.forEach((name, i) => {
    const kind = kindOf(name);
    if (kind !== 'numeric')
      invalid(
        `drift profile ${profilePath}: ${kind ? `column "${name}" is ${kind}, not numeric` : `no column "${name}"`} (field "features[${i}]" of model manifest ${manifestPath}; the profile needs every input-row column as numeric)`,
        `${profilePath}#columns.${name}`,
      );
  });
  const scoreKind = kindOf(SCORE_COLUMN);
  if (scoreKind !== 'numeric')
    invalid(
      `drift profile ${profilePath}: ${scoreKind ? `column "${SCORE_COLUMN}" is ${scoreKind}, not numeric` : `no column "${SCORE_COLUMN}"`} (the model's score; profile it with --numeric …,${SCORE_COLUMN}; field "drift.profile" of model manifest ${manifestPath})`,
      `${profilePath}#columns.${SCORE_COLUMN}`,
    );

  const schemaFields = new Set(
    ((eventSchema as { fields?: Array<{ name?: unknown }> } | null)?.fields ?? []).map((f) =>
      String(f?.name),
    ),
  );
  const watched = new Set([...manifest.features, SCORE_COLUMN]);
  for (const kind of ['numeric', 'categorical'] as const) {
    drift.eventFields[kind].forEach((name, i) => {
      const at = `model manifest ${manifestPath}: field "drift.eventFields.${kind}[${i}]"`;
      const subject = `${manifestPath}#drift.eventFields.${kind}[${i}]`;
      if (watched.has(name))
        invalid(
          `${at}: "${name}" is already watched (as a feature, the score or another event field)`,
          subject,
        );
      if (!schemaFields.has(name))
        invalid(
          `${at}: "${name}" is not a field of the event schema (fields: ${[...schemaFields].join(', ')})`,
          subject,
        );
      const found = kindOf(name);
      if (!found) invalid(`${at}: "${name}" is not a column of drift profile ${profilePath}`, subject);
      if (found !== kind)
        invalid(`${at}: column "${name}" of drift profile ${profilePath} is ${found}, not ${kind}`, subject);
      watched.add(name);
    });
  }
  drift.critical.forEach((name, i) => {
    if (!watched.has(name))
      invalid(
        `model manifest ${manifestPath}: field "drift.critical[${i}]": "${name}" is not a watched column (the features, ${SCORE_COLUMN} and drift.eventFields)`,
        `${manifestPath}#drift.critical[${i}]`,
      );
  });
  return {
    profilePath,
    profile,
    numericFields: drift.eventFields.numeric,
    categoricalFields: drift.eventFields.categorical,
    critical: drift.critical,
  };
}
