import { accessSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, errorMessage } from '../../core/errors.ts';

const uniqueNames = (names: readonly string[]) => new Set(names).size === names.length;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

/** One store feature the model reads: its type in the store and the value it gets when missing. */
const bundleFeatureSchema = z.strictObject({
  type: z.enum(['double', 'long', 'boolean']).default('double'),
  default: finite,
});

/**
 * The bundle manifest (models/<name>/manifest.json): the model file and tensors, what its output
 * means, the store features it needs, its input row and its golden vectors. Model semantics live
 * here; deployment settings (key template, layout, cache, policies) stay in the config.
 */
export const modelManifestSchema = z
  .object({
    name: z.string().min(1),
    version: z.string().min(1),
    /** The .onnx file, relative to the manifest's folder (or absolute). */
    file: z.string().min(1),
    /** Name of the float32 [batch, features.length] input. */
    input: z.string().min(1),
    /** Name of the output tensor the score is read from. */
    output: z.string().min(1),
    /**
     * What the output means. `binary-classifier`: [batch, classes] probabilities, the score is the
     * positive class's and the label is 1 at or above `decisionThreshold`. `regressor`: [batch] or
     * [batch, 1], the score is the value and there is no label. `multiclass`: [batch, classes.length]
     * probabilities, the score is the top probability, the label its class index, and every class's
     * probability is an output by name.
     */
    kind: z.enum(['binary-classifier', 'regressor', 'multiclass']).default('binary-classifier'),
    positiveClassIndex: z.number().int().min(0).default(1),
    decisionThreshold: z.number().min(0).max(1).optional(),
    classes: z.array(z.string().min(1)).min(2).refine(uniqueNames, 'class names must be unique').optional(),
    /** The score's range for displays (the dashboard's axis); default [0, 1] for classifiers. */
    scoreRange: z
      .tuple([finite, finite])
      .refine(([lo, hi]) => lo < hi, 'must be [low, high] with low < high')
      .optional(),
    features: z.array(z.string().min(1)).min(1).refine(uniqueNames, 'feature names must be unique'),
    /** The store feature view the row reads: its name (a view of the config's features.views) and fields. */
    featureView: z
      .strictObject({
        name: z.string().min(1),
        fields: z.record(z.string().min(1), bundleFeatureSchema),
      })
      .optional(),
    /**
     * The input row as declared transforms (processors/infer/input-row), relative to the manifest's
     * folder; it must write exactly `features`.
     */
    inputRow: z.string().min(1).optional(),
    /** The `.avsc` of the events the row reads, relative to the manifest's folder (`sluice bundle validate` checks against it). */
    eventSchema: z.string().min(1).optional(),
    /** Inputs with the outputs the training script got for them, relative to the manifest's folder. */
    golden: z.string().min(1).default('golden.json'),
    trainedAt: z.string().optional(),
    /**
     * What drift is watched on (README "Drift"): the reference profile written by
     * `sluice drift profile` from the training data, relative to the manifest's folder. Its columns
     * are the input row's columns (by name), `score`, and the event fields named here.
     */
    drift: z
      .strictObject({
        profile: z.string().min(1),
        eventFields: z
          .strictObject({
            numeric: z.array(z.string().min(1)).default([]),
            categorical: z.array(z.string().min(1)).default([]),
          })
          .prefault({}),
        /** Columns whose drift alone makes the dataset drift. */
        critical: z.array(z.string().min(1)).default([]),
      })
      .optional(),
    /**
     * How well calibrated the scores are on held-out data (the label-free performance estimate
     * assumes they are): the expected calibration error over `bins` equal-width bins.
     */
    calibration: z
      .strictObject({
        ece: z.number().min(0).max(1),
        bins: z.number().int().positive(),
        heldOutRows: z.number().int().positive(),
      })
      .optional(),
  })
  // Extra fields (training provenance) are kept, not rejected: the trainer may record more.
  .loose()
  .superRefine((manifest, ctx) => {
    if (manifest.kind === 'binary-classifier' && manifest.decisionThreshold === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['decisionThreshold'],
        message: 'a binary-classifier needs a decision threshold in [0, 1]',
      });
    if (manifest.kind === 'multiclass' && manifest.classes === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['classes'],
        message: 'a multiclass model needs its class names',
      });
    if (manifest.kind === 'regressor' && manifest.scoreRange === undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['scoreRange'],
        message: 'a regressor needs the range of its score for displays, [low, high]',
      });
  });

/** What a model's output means, as the infer stage reads it. */
export type ModelOutput =
  | { kind: 'binary-classifier'; positiveClassIndex: number; decisionThreshold: number }
  | { kind: 'regressor' }
  | { kind: 'multiclass'; classes: readonly string[] };

/** The output description of a validated manifest. */
export function modelOutputOf(manifest: z.output<typeof modelManifestSchema>): ModelOutput {
  if (manifest.kind === 'regressor') return { kind: 'regressor' };
  if (manifest.kind === 'multiclass') return { kind: 'multiclass', classes: manifest.classes! };
  return {
    kind: 'binary-classifier',
    positiveClassIndex: manifest.positiveClassIndex,
    decisionThreshold: manifest.decisionThreshold!,
  };
}

/** A validated manifest, plus the absolute paths it was read from and points to. */
export type ModelManifest = z.output<typeof modelManifestSchema> & {
  manifestPath: string;
  modelPath: string;
  /** Absolute path of `inputRow`, when the manifest names one. */
  inputRowPath?: string | undefined;
  /** Absolute path of `eventSchema`, when the manifest names one. */
  eventSchemaPath?: string | undefined;
  /** Absolute path of the golden vectors (they may be absent; `sluice bundle validate` says so). */
  goldenPath: string;
  /** The score's range for displays: the manifest's, else [0, 1] for classifiers. */
  scoreRange: [number, number];
  /** The store features the model reads, in the view's order (empty without a feature view). */
  storeFeatures: string[];
};

/**
 * Reads and validates `manifestPath` and checks that its model file exists. Called once per
 * model load, before any worker starts, so config mistakes fail fast with the file and field named.
 * Throws ConfigError: SLUICE_MODEL_FILE_MISSING (manifest or model file absent),
 * SLUICE_CONFIG_FILE_UNREADABLE, or SLUICE_CONFIG_INVALID (bad JSON, bad field).
 */
export async function loadModelManifest(manifestPath: string): Promise<ModelManifest> {
  return readModelManifest(manifestPath);
}

/**
 * `loadModelManifest`, synchronously (a few small files, read once at startup). With
 * `modelFile: false` the .onnx need not exist yet (writing training data comes before training).
 */
export function readModelManifest(
  manifestPath: string,
  options: { modelFile?: boolean } = {},
): ModelManifest {
  const path = resolve(manifestPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
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
    if (options.modelFile !== false) accessSync(modelPath);
  } catch (error) {
    throw new ConfigError(
      'SLUICE_MODEL_FILE_MISSING',
      `model file ${modelPath} does not exist (field "file" of model manifest ${path})`,
      { subject: modelPath, cause: error },
    );
  }
  const inputRowPath = parsed.data.inputRow ? resolve(dirname(path), parsed.data.inputRow) : undefined;
  return {
    ...parsed.data,
    manifestPath: path,
    modelPath,
    inputRowPath,
    goldenPath: resolve(dirname(path), parsed.data.golden),
    eventSchemaPath: parsed.data.eventSchema ? resolve(dirname(path), parsed.data.eventSchema) : undefined,
    scoreRange: parsed.data.scoreRange ?? [0, 1],
    storeFeatures: Object.keys(parsed.data.featureView?.fields ?? {}),
  };
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}
