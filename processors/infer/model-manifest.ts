import { access, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, errorMessage } from '../../core/errors.ts';

const uniqueNames = (names: readonly string[]) => new Set(names).size === names.length;

/** The schema of a model's manifest.json (written by models/fraud/train.py); the only place its rules live. */
export const modelManifestSchema = z
  .object({
    name: z.string().min(1),
    version: z.string().min(1),
    /** The .onnx file, relative to the manifest's folder (or absolute). */
    file: z.string().min(1),
    /** Name of the float32 [batch, features.length] input. */
    input: z.string().min(1),
    /** Name of the [batch, classes] probability output. */
    output: z.string().min(1),
    positiveClassIndex: z.number().int().min(0),
    decisionThreshold: z.number().min(0).max(1),
    features: z.array(z.string().min(1)).min(1).refine(uniqueNames, 'feature names must be unique'),
    storeFeatures: z.array(z.string().min(1)).default([]),
    /**
     * The input row as declared transforms (processors/infer/input-row), relative to the manifest's
     * folder; it must write exactly `features`. Without it the row is the hand-written fraud row.
     */
    inputRow: z.string().min(1).optional(),
    trainedAt: z.string().optional(),
    auc: z.number().optional(),
  })
  // Extra fields (training provenance) are kept, not rejected: the trainer may record more.
  .loose();

/** A validated manifest, plus the absolute paths it was read from and points to. */
export type ModelManifest = z.output<typeof modelManifestSchema> & {
  manifestPath: string;
  modelPath: string;
  /** Absolute path of `inputRow`, when the manifest names one. */
  inputRowPath?: string | undefined;
};

/**
 * Reads and validates `manifestPath` and checks that its model file exists. Called once per
 * model load, before any worker starts, so config mistakes fail fast with the file and field named.
 * Throws ConfigError: SLUICE_MODEL_FILE_MISSING (manifest or model file absent),
 * SLUICE_CONFIG_FILE_UNREADABLE, or SLUICE_CONFIG_INVALID (bad JSON, bad field).
 */
export async function loadModelManifest(manifestPath: string): Promise<ModelManifest> {
  const path = resolve(manifestPath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isNotFound(error)) {
      throw new ConfigError('SLUICE_MODEL_FILE_MISSING', `model manifest ${path} does not exist`, {
        subject: path,
        cause: error,
      });
    }
    throw new ConfigError(
      'SLUICE_CONFIG_FILE_UNREADABLE',
      `cannot read model manifest ${path}: ${errorMessage(error)}`,
      {
        subject: path,
        cause: error,
      },
    );
  }

  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `model manifest ${path} is not valid JSON: ${errorMessage(error)}`,
      {
        subject: path,
        cause: error,
      },
    );
  }

  const parsed = modelManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue && issue.path.length > 0 ? issue.path.join('.') : '(root)';
    const more = parsed.error.issues.length > 1 ? ` (and ${parsed.error.issues.length - 1} more)` : '';
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `model manifest ${path}: field "${field}": ${issue?.message ?? 'invalid'}${more}`,
      { subject: `${path}#${field}` },
    );
  }

  const modelPath = resolve(dirname(path), parsed.data.file);
  try {
    await access(modelPath);
  } catch (error) {
    throw new ConfigError(
      'SLUICE_MODEL_FILE_MISSING',
      `model file ${modelPath} does not exist (field "file" of model manifest ${path})`,
      { subject: modelPath, cause: error },
    );
  }
  const inputRowPath = parsed.data.inputRow ? resolve(dirname(path), parsed.data.inputRow) : undefined;
  return { ...parsed.data, manifestPath: path, modelPath, inputRowPath };
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
