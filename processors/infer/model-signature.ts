import type { InferenceSession } from 'onnxruntime-node';
import { ConfigError } from '../../core/errors.ts';
import { type ModelManifest, type ModelOutput, modelOutputOf } from './model-manifest.ts';

/** What the manifest promises about the model's tensors; checked against the loaded session. */
export interface ExpectedSignature {
  modelPath: string;
  manifestPath: string;
  input: string;
  output: string;
  featureCount: number;
  /** What the output means; it decides the output shape the model must have. */
  outputKind: ModelOutput;
  /** The input row file and its last column, named when the model's input width differs. */
  inputRowPath?: string | undefined;
  lastColumn?: string | undefined;
}

/** What a manifest promises of its model: the one place the expectation is built (the pool and `bundle validate`). */
export function expectedSignatureOf(manifest: ModelManifest): ExpectedSignature {
  return {
    modelPath: manifest.modelPath,
    manifestPath: manifest.manifestPath,
    input: manifest.input,
    output: manifest.output,
    featureCount: manifest.features.length,
    outputKind: modelOutputOf(manifest),
    inputRowPath: manifest.inputRowPath,
    lastColumn: manifest.features[manifest.features.length - 1],
  };
}

/** The session's side of the check (an InferenceSession satisfies it). */
export interface SessionSignature {
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[];
}

/** Values a row of the scorer's result holds: one score, or one probability per class. */
export function resultWidth(kind: ModelOutput): number {
  return kind.kind === 'multiclass' ? kind.classes.length : 1;
}

/** The output shape a kind needs, in words, for messages. */
function wantedOutput(expected: ExpectedSignature): string {
  const kind = expected.outputKind;
  const name = `output "${expected.output}"`;
  switch (kind.kind) {
    case 'binary-classifier':
      return `${name}: [batch, >${kind.positiveClassIndex}] (binary-classifier, positiveClassIndex ${kind.positiveClassIndex})`;
    case 'multiclass':
      return `${name}: [batch, ${kind.classes.length}] (multiclass with ${kind.classes.length} classes)`;
    case 'regressor':
      return `${name}: [batch] or [batch, 1] (regressor)`;
  }
}

/** Whether dims (numbers, or strings for symbolic ones) fit the kind; a symbolic dim is checked on the first real output. */
function shapeFits(kind: ModelOutput, dims: ReadonlyArray<number | string>): boolean {
  const last = dims[dims.length - 1];
  const symbolic = typeof last === 'string';
  switch (kind.kind) {
    case 'binary-classifier':
      return dims.length === 2 && (symbolic || (last as number) > kind.positiveClassIndex);
    case 'multiclass':
      return dims.length === 2 && (symbolic || last === kind.classes.length);
    case 'regressor':
      return dims.length === 1 || (dims.length === 2 && (symbolic || last === 1));
  }
}

/**
 * Throws ConfigError SLUICE_MODEL_SIGNATURE_MISMATCH unless the model has a float32 input named
 * `input` of shape [batch, featureCount] (batch: symbolic or any size) and a float output named
 * `output` of the shape its kind needs. The message names the model file, what the manifest
 * expects and what the model has, so the fix is obvious from it.
 */
export function checkModelSignature(expected: ExpectedSignature, session: SessionSignature): void {
  const row = expected.inputRowPath
    ? ` (the ${expected.featureCount} columns of input row ${expected.inputRowPath}, the last "${expected.lastColumn}")`
    : '';
  const wantInput = `input "${expected.input}": float32 [batch, ${expected.featureCount}]${row}`;
  const input = session.inputMetadata.find((m) => m.name === expected.input);
  const inputOk =
    input?.isTensor === true &&
    input.type === 'float32' &&
    input.shape.length === 2 &&
    input.shape[1] === expected.featureCount;
  if (!inputOk) {
    throw mismatch(
      expected,
      `expected ${wantInput}`,
      `model has ${describeAll('inputs', session.inputMetadata)}`,
    );
  }

  const output = session.outputMetadata.find((m) => m.name === expected.output);
  const outputOk =
    output?.isTensor === true &&
    (output.type === 'float32' || output.type === 'float64') &&
    shapeFits(expected.outputKind, output.shape);
  if (!outputOk) {
    throw mismatch(
      expected,
      `expected ${wantedOutput(expected)}`,
      `model has ${describeAll('outputs', session.outputMetadata)}`,
    );
  }
}

/** The same check on a real output's dims, for outputs with a symbolic dimension. */
export function checkOutputDims(expected: ExpectedSignature, dims: readonly number[], rows: number): void {
  if (dims[0] !== rows || !shapeFits(expected.outputKind, dims)) {
    throw mismatch(
      expected,
      `expected ${wantedOutput(expected)} with batch ${rows}`,
      `model returned [${dims.join(', ')}]`,
    );
  }
}

function mismatch(expected: ExpectedSignature, want: string, have: string): ConfigError {
  return new ConfigError(
    'SLUICE_MODEL_SIGNATURE_MISMATCH',
    `model ${expected.modelPath} does not match its manifest ${expected.manifestPath}: ${want}; ${have}`,
    { subject: expected.modelPath },
  );
}

function describeAll(kind: string, metadata: readonly InferenceSession.ValueMetadata[]): string {
  if (metadata.length === 0) return `no ${kind}`;
  return `${kind} ${metadata.map(describe).join(', ')}`;
}

function describe(m: InferenceSession.ValueMetadata): string {
  if (!m.isTensor) return `"${m.name}": (not a tensor)`;
  const dims = m.shape.map((d) => (typeof d === 'string' ? d || 'dynamic' : String(d)));
  return `"${m.name}": ${m.type} [${dims.join(', ')}]`;
}
