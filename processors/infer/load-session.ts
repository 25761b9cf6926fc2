import { InferenceSession, Tensor } from 'onnxruntime-node';
import { ConfigError, errorMessage } from '../../core/errors.ts';
import {
  checkModelSignature,
  checkOutputDims,
  type ExpectedSignature,
  resultWidth,
} from './model-signature.ts';
import type { ProviderFailure, WorkerInit } from './worker-protocol.ts';

/** A model ready to score: session created, signature checked, warmed up. Lives in a worker thread. */
export interface LoadedModel {
  provider: string;
  fallbacks: ProviderFailure[];
  loadMs: number;
  warmupMs: number;
  /**
   * Per row, what the model's kind reads from its output: the positive-class probability, the
   * regressor's value, or every class's probability (rows × classes); `features` is rows ×
   * featureCount, row-major. Blocks the thread.
   */
  score(features: Float32Array, rows: number): Promise<Float32Array>;
  release(): Promise<void>;
}

// ORT's native log lines are coloured; our messages go to JSON logs.
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

/**
 * The single way a model becomes servable: providers tried in order, signature checked, one
 * warm-up batch run. A hot swap will call it for the new version beside the old one. Throws
 * ConfigError SLUICE_PROVIDER_UNAVAILABLE (no provider could start and 'cpu' was not among them),
 * SLUICE_MODEL_LOAD_FAILED (even 'cpu' failed: the model is at fault) or
 * SLUICE_MODEL_SIGNATURE_MISMATCH.
 */
export async function loadModelSession(init: WorkerInit): Promise<LoadedModel> {
  const started = performance.now();
  const fallbacks: ProviderFailure[] = [];
  let session: InferenceSession | undefined;
  let provider = '';
  for (const candidate of init.providers) {
    try {
      session = await InferenceSession.create(init.modelPath, {
        executionProviders: [candidate],
        intraOpNumThreads: init.intraOpThreads,
        // One request at a time per worker: parallelism comes from more workers, not inter-op threads.
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      provider = candidate;
      break;
    } catch (error) {
      fallbacks.push({ provider: candidate, reason: errorMessage(error).replace(ANSI, '').trim() });
    }
  }
  if (session === undefined) {
    const reasons = fallbacks.map((f) => `"${f.provider}": ${f.reason}`).join('; ');
    const cpuTried = init.providers.includes('cpu');
    throw new ConfigError(
      cpuTried ? 'SLUICE_MODEL_LOAD_FAILED' : 'SLUICE_PROVIDER_UNAVAILABLE',
      cpuTried
        ? `cannot load model ${init.modelPath}: ${reasons}`
        : `no execution provider of [${init.providers.join(', ')}] could load model ${init.modelPath}: ${reasons}`,
      { subject: init.modelPath },
    );
  }
  const loadMs = performance.now() - started;

  const expected: ExpectedSignature = { ...init };
  const loaded = session;
  try {
    checkModelSignature(expected, loaded);
  } catch (error) {
    await loaded.release();
    throw error;
  }

  const score = async (features: Float32Array, rows: number): Promise<Float32Array> => {
    const input = new Tensor('float32', features, [rows, init.featureCount]);
    const results = await loaded.run({ [init.input]: input }, [init.output]);
    const output = results[init.output];
    if (output === undefined) throw new Error(`model returned no "${init.output}" output`);
    const dims = output.dims;
    checkOutputDims(expected, dims, rows);
    const data = output.data;
    if (!(data instanceof Float32Array || data instanceof Float64Array)) {
      throw new Error(`output "${init.output}" is ${output.type}, expected float32 or float64`);
    }
    const kind = init.outputKind;
    if (kind.kind === 'binary-classifier') {
      const classes = dims[1]!;
      const scores = new Float32Array(rows);
      for (let row = 0, at = kind.positiveClassIndex; row < rows; row++, at += classes)
        scores[row] = data[at]!;
      return scores;
    }
    // A regressor's [batch] or [batch, 1], or a multiclass [batch, classes]: the values as they lie.
    const scores = new Float32Array(rows * resultWidth(kind));
    scores.set(data);
    return scores;
  };

  const warmupStarted = performance.now();
  try {
    await score(new Float32Array(init.warmupBatchSize * init.featureCount), init.warmupBatchSize);
  } catch (error) {
    await loaded.release();
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      'SLUICE_MODEL_LOAD_FAILED',
      `warm-up of model ${init.modelPath} failed: ${errorMessage(error)}`,
      {
        subject: init.modelPath,
        cause: error,
      },
    );
  }
  const warmupMs = performance.now() - warmupStarted;

  return { provider, fallbacks, loadMs, warmupMs, score, release: () => loaded.release() };
}
