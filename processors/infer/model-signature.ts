import type { InferenceSession } from 'onnxruntime-node';
import { ConfigError } from '../../core/errors.ts';

/** What the manifest promises about the model's tensors; checked against the loaded session. */
export interface ExpectedSignature {
  modelPath: string;
  manifestPath: string;
  input: string;
  output: string;
  featureCount: number;
  positiveClassIndex: number;
}

/** The session's side of the check (an InferenceSession satisfies it). */
export interface SessionSignature {
  readonly inputMetadata: readonly InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly InferenceSession.ValueMetadata[];
}

/**
 * Throws ConfigError SLUICE_MODEL_SIGNATURE_MISMATCH unless the model has a float32 input named
 * `input` of shape [batch, featureCount] (batch: symbolic or any size) and an output named
 * `output` whose last dimension has a column at `positiveClassIndex`. The message names the
 * model file, what the manifest expects and what the model has, so the fix is obvious from it.
 */
export function checkModelSignature(expected: ExpectedSignature, session: SessionSignature): void {
  const wantInput = `input "${expected.input}": float32 [batch, ${expected.featureCount}]`;
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

  const wantOutput = `output "${expected.output}": [batch, >${expected.positiveClassIndex}] (positiveClassIndex ${expected.positiveClassIndex})`;
  const output = session.outputMetadata.find((m) => m.name === expected.output);
  const lastDim = output?.isTensor === true ? output.shape[output.shape.length - 1] : undefined;
  // A symbolic class dimension cannot be checked here; the warm-up run checks the real one.
  const classesOk =
    typeof lastDim === 'string' || (typeof lastDim === 'number' && lastDim > expected.positiveClassIndex);
  const outputOk =
    output?.isTensor === true &&
    (output.type === 'float32' || output.type === 'float64') &&
    output.shape.length === 2 &&
    classesOk;
  if (!outputOk) {
    throw mismatch(
      expected,
      `expected ${wantOutput}`,
      `model has ${describeAll('outputs', session.outputMetadata)}`,
    );
  }
}

/** The same check on a real output's dims, for outputs whose class dimension was symbolic. */
export function checkOutputDims(expected: ExpectedSignature, dims: readonly number[], rows: number): void {
  const classes = dims[dims.length - 1] ?? 0;
  if (dims.length !== 2 || dims[0] !== rows || classes <= expected.positiveClassIndex) {
    throw mismatch(
      expected,
      `expected output "${expected.output}" of shape [${rows}, >${expected.positiveClassIndex}]`,
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
