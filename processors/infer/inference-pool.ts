import { ConfigError, errorMessage, SluiceError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { retry } from '../../core/retry.ts';
import { loadModelManifest, type ModelManifest, type ModelOutput, modelOutputOf } from './model-manifest.ts';
import { expectedSignatureOf } from './model-signature.ts';
import { resolveWorkerEntry } from './worker-entry.ts';
import type { WorkerInit } from './worker-protocol.ts';
import { type WorkerReady, WorkerSlot } from './worker-slot.ts';

/** Options of `InferencePool.create`; the app maps its `model` config onto them. */
export interface InferencePoolOptions {
  /** The model's manifest.json; the .onnx it names is resolved relative to it. */
  manifestPath: string;
  /** Execution providers tried in order, e.g. ['cuda', 'cpu']; default ['cpu']. */
  providers?: readonly string[];
  /** Worker threads, each with its own session; default 1. */
  workers?: number;
  /** ONNX Runtime intra-op threads per worker; default 1. */
  intraOpThreads?: number;
  /** Rows of the all-zeros batch each worker runs before it takes traffic; default 256. */
  warmupBatchSize?: number;
  /** The manifest of `manifestPath`, when the caller already read it (so it is not read twice). */
  manifest?: ModelManifest | undefined;
  /** When given, the manifest's features must be exactly these, in this order (the pipeline's vector). */
  expectedFeatures?: readonly string[];
  logger: Logger;
}

/** What is being served, for logs, metrics and predictions (model name and version). */
export interface InferencePoolInfo {
  model: string;
  version: string;
  /** The execution provider the sessions actually run on. */
  provider: string;
  features: readonly string[];
  workers: number;
}

/** Test hook (not exported from index.ts): `pool[crashWorkerForTesting](i)` makes worker i exit on its next request. */
export const crashWorkerForTesting = Symbol('sluice.infer.crashWorkerForTesting');

// A crashed worker is restarted until it comes back or the pool closes.
const RESPAWN_RETRY = {
  retries: Number.POSITIVE_INFINITY,
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.2,
};

/**
 * Scores feature batches on ONNX Runtime sessions in worker threads, so `run` never blocks the
 * event loop. Created once at startup by the app (it implements the topology's Scorer port);
 * `infer` may be called with several batches in flight; `close` at shutdown after draining.
 */
export class InferencePool {
  readonly #manifest: ModelManifest;
  #outputKind: ModelOutput | undefined;
  readonly #logger: Logger;
  readonly #slots: WorkerSlot[] = [];
  readonly #loggedFallbacks = new Set<string>();
  #provider = '';
  #nextId = 1;
  #closed = false;
  readonly #closing = new AbortController();

  private constructor(manifest: ModelManifest, logger: Logger) {
    this.#manifest = manifest;
    this.#logger = logger;
  }

  /** Loads the manifest, starts the workers and warms them up. Throws ConfigError (model, provider, signature). */
  static async create(options: InferencePoolOptions): Promise<InferencePool> {
    const providers = options.providers ?? ['cpu'];
    const workers = options.workers ?? 1;
    const intraOpThreads = options.intraOpThreads ?? 1;
    const warmupBatchSize = options.warmupBatchSize ?? 256;
    requirePositiveInt('workers', workers);
    requirePositiveInt('intraOpThreads', intraOpThreads);
    requirePositiveInt('warmupBatchSize', warmupBatchSize);
    if (providers.length === 0) {
      throw new ConfigError('SLUICE_CONFIG_INVALID', 'model.providers: list at least one provider', {
        subject: 'model.providers',
      });
    }

    const manifest = options.manifest ?? (await loadModelManifest(options.manifestPath));
    if (options.expectedFeatures) checkFeatureNames(manifest, options.expectedFeatures);
    const init: WorkerInit = {
      ...expectedSignatureOf(manifest),
      providers: [...providers],
      intraOpThreads,
      warmupBatchSize,
    };
    const pool = new InferencePool(manifest, options.logger);
    const entry = resolveWorkerEntry();
    for (let i = 0; i < workers; i++)
      pool.#slots.push(new WorkerSlot(i, entry, init, (slot, error) => pool.#onCrash(slot, error)));

    const started = await Promise.allSettled(pool.#slots.map((slot) => slot.start()));
    const failure = started.find((result) => result.status === 'rejected');
    if (failure) {
      await pool.close();
      throw failure.reason;
    }
    const ready = started.map((result) => (result as PromiseFulfilledResult<WorkerReady>).value);
    for (const [i, r] of ready.entries()) pool.#logReady(i, r);
    pool.#provider = ready[0]!.provider;
    options.logger.info(
      {
        stage: 'infer',
        model: manifest.name,
        version: manifest.version,
        provider: pool.#provider,
        workers,
        intraOpThreads,
      },
      `model "${manifest.name}" v${manifest.version} ready on "${pool.#provider}" in ${workers} worker(s)`,
    );
    return pool;
  }

  get info(): InferencePoolInfo {
    const m = this.#manifest;
    return {
      model: m.name,
      version: m.version,
      provider: this.#provider,
      features: m.features,
      workers: this.#slots.length,
    };
  }

  get manifest(): ModelManifest {
    return this.#manifest;
  }

  get model(): string {
    return this.#manifest.name;
  }

  get version(): string {
    return this.#manifest.version;
  }

  get decisionThreshold(): number {
    return this.#manifest.decisionThreshold ?? Number.NaN;
  }

  /** What the model's output means (the infer stage reads scores, labels and outputs by it). */
  get outputKind(): ModelOutput {
    this.#outputKind ??= modelOutputOf(this.#manifest);
    return this.#outputKind;
  }

  /**
   * Positive-class probability for each of `rows` rows of `features` (row-major, rows ×
   * features.length). Takes ownership of `features`: when it spans its whole buffer, the buffer
   * is transferred to the worker (no copy) and is detached afterwards; a view into a larger
   * buffer is copied instead. Rejects with SLUICE_INFER_FAILED (bad input, model error) or
   * SLUICE_WORKER_CRASHED (retriable: the worker died; it is being restarted).
   */
  infer(features: Float32Array, rows: number): Promise<Float32Array> {
    if (this.#closed)
      return Promise.reject(new SluiceError('SLUICE_SHUTDOWN', 'the inference pool is closed'));
    const width = this.#manifest.features.length;
    if (!Number.isInteger(rows) || rows < 0 || features.length !== rows * width) {
      return Promise.reject(
        new SluiceError(
          'SLUICE_INFER_FAILED',
          `infer: expected ${rows} rows × ${width} features = ${rows * width} values, got ${features.length}`,
        ),
      );
    }
    if (rows === 0) return Promise.resolve(new Float32Array(0));
    const slot = this.#leastBusy();
    if (slot === undefined) {
      return Promise.reject(
        new SluiceError('SLUICE_WORKER_CRASHED', 'no inference worker is running', { retriable: true }),
      );
    }
    const ownsBuffer =
      features.buffer instanceof ArrayBuffer &&
      features.byteOffset === 0 &&
      features.byteLength === features.buffer.byteLength;
    return slot.send(this.#nextId++, ownsBuffer ? features : features.slice(), rows);
  }

  /** Rejects what is in flight with SLUICE_SHUTDOWN and terminates the workers. Drain first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing.abort();
    const reason = new SluiceError('SLUICE_SHUTDOWN', 'the inference pool was closed');
    await Promise.all(this.#slots.map((slot) => slot.stop(reason)));
  }

  [crashWorkerForTesting](index = 0): void {
    this.#slots[index]?.crashOnNextInfer();
  }

  /** A ready slot with the fewest rows outstanding; else one that is (re)starting; else none. */
  #leastBusy(): WorkerSlot | undefined {
    let best: WorkerSlot | undefined;
    for (const state of ['ready', 'starting'] as const) {
      for (const slot of this.#slots) {
        if (slot.state === state && (best === undefined || slot.pendingRows < best.pendingRows)) best = slot;
      }
      if (best) return best;
    }
    return undefined;
  }

  #onCrash(slot: WorkerSlot, error: SluiceError): void {
    if (this.#closed) return;
    this.#logger.error(
      { stage: 'infer', worker: slot.index, err: error },
      'inference worker crashed; restarting it',
    );
    void this.#respawn(slot);
  }

  async #respawn(slot: WorkerSlot): Promise<void> {
    try {
      const ready = await retry(
        async () => {
          if (this.#closed) throw new SluiceError('SLUICE_SHUTDOWN', 'the inference pool is closed');
          try {
            return await slot.start();
          } catch (error) {
            // Whatever made the restart fail (a model file gone, a provider lost) may be over on the next try.
            throw new SluiceError(
              'SLUICE_WORKER_CRASHED',
              `restarting inference worker ${slot.index}: ${errorMessage(error)}`,
              {
                retriable: true,
                cause: error,
              },
            );
          }
        },
        {
          ...RESPAWN_RETRY,
          signal: this.#closing.signal,
          onRetry: (error, attempt) =>
            this.#logger.error(
              { stage: 'infer', worker: slot.index, err: error, attempt },
              'inference worker restart failed',
            ),
        },
      );
      if (this.#closed) return;
      this.#logReady(slot.index, ready);
      this.#logger.info(
        { stage: 'infer', worker: slot.index, provider: ready.provider },
        'inference worker restarted',
      );
    } catch {
      // Only once the pool closed: retry() gives up on an aborted signal.
    }
  }

  #logReady(index: number, ready: WorkerReady): void {
    ready.fallbacks.forEach((failure, i) => {
      const next = ready.fallbacks[i + 1]?.provider ?? ready.provider;
      // Once per provider and reason: N workers failing the same way is one fact, not N.
      const key = `${failure.provider}\u0000${failure.reason}`;
      if (this.#loggedFallbacks.has(key)) return;
      this.#loggedFallbacks.add(key);
      this.#logger.warn(
        { stage: 'infer', worker: index, provider: failure.provider, fallback: next, reason: failure.reason },
        `execution provider "${failure.provider}" unavailable (${failure.reason}); falling back to "${next}"`,
      );
    });
    this.#logger.debug(
      {
        stage: 'infer',
        worker: index,
        provider: ready.provider,
        loadMs: ready.loadMs,
        warmupMs: ready.warmupMs,
      },
      'inference worker ready',
    );
  }
}

function requirePositiveInt(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `model.${name}: expected a positive integer, got ${value}`,
      {
        subject: `model.${name}`,
      },
    );
  }
}

function checkFeatureNames(manifest: ModelManifest, expected: readonly string[]): void {
  const actual = manifest.features;
  if (actual.length === expected.length && actual.every((name, i) => name === expected[i])) return;
  throw new ConfigError(
    'SLUICE_MODEL_SIGNATURE_MISMATCH',
    `model manifest ${manifest.manifestPath} lists features [${actual.join(', ')}] (${actual.length}); ` +
      `the pipeline's feature vector is [${expected.join(', ')}] (${expected.length})`,
    { subject: `${manifest.manifestPath}#features` },
  );
}
