import type { SluiceErrorCode } from '../../core/errors.ts';
import type { ExpectedSignature } from './model-signature.ts';

/**
 * The messages between InferencePool (main thread) and infer-worker.ts. Plain data only: they
 * cross a structured clone, so errors travel as code + message and are rebuilt on the main side.
 */

/**
 * What the pool hands a worker at spawn (`workerData`): everything needed to load one model, the
 * signature it must have included (its `manifestPath` lets errors name where the expectation came from).
 */
export interface WorkerInit extends ExpectedSignature {
  providers: readonly string[];
  intraOpThreads: number;
  warmupBatchSize: number;
}

/** A provider that could not create the session, and why (its error message). */
export interface ProviderFailure {
  provider: string;
  reason: string;
}

/**
 * Main → worker. `close` asks the worker to finish the run in progress, drop its queue, release
 * the session and exit by itself. `crash-on-next-infer` exists for the crash tests only.
 */
export type ToWorkerMessage =
  | { type: 'infer'; id: number; features: Float32Array; rows: number }
  | { type: 'close' }
  | { type: 'crash-on-next-infer' };

/** Worker → main. */
export type FromWorkerMessage =
  | {
      type: 'ready';
      provider: string;
      fallbacks: ProviderFailure[];
      loadMs: number;
      warmupMs: number;
    }
  | { type: 'load-failed'; code: SluiceErrorCode; message: string }
  | { type: 'result'; id: number; scores: Float32Array }
  | { type: 'failed'; id: number; message: string };
