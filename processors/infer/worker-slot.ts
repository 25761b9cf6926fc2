import { Worker } from 'node:worker_threads';
import { ConfigError, errorMessage, SluiceError } from '../../core/errors.ts';
import type { WorkerEntry } from './worker-entry.ts';
import type { FromWorkerMessage, ProviderFailure, ToWorkerMessage, WorkerInit } from './worker-protocol.ts';

/** What a worker reports once its session is loaded and warmed up. */
export interface WorkerReady {
  provider: string;
  fallbacks: ProviderFailure[];
  loadMs: number;
  warmupMs: number;
}

interface PendingRequest {
  rows: number;
  resolve: (scores: Float32Array) => void;
  reject: (error: Error) => void;
}

interface QueuedRequest extends PendingRequest {
  id: number;
  features: Float32Array;
}

type SlotState = 'idle' | 'starting' | 'ready' | 'stopped';

/** Longer than any sane batch: a worker still running after it is stuck, not busy. */
const STOP_TIMEOUT_MS = 10_000;

/**
 * One worker thread of an InferencePool and the requests it holds. The pool starts it, sends it
 * requests, and is told through `onCrash` when the thread dies so it can start it again; the
 * slot itself never restarts anything. Requests sent while it is starting wait for it.
 */
export class WorkerSlot {
  readonly index: number;
  readonly #entry: WorkerEntry;
  readonly #init: WorkerInit;
  readonly #onCrash: (slot: WorkerSlot, error: SluiceError) => void;
  #state: SlotState = 'idle';
  #worker: Worker | undefined;
  #pending = new Map<number, PendingRequest>();
  #waiting: QueuedRequest[] = [];
  #pendingRows = 0;

  constructor(
    index: number,
    entry: WorkerEntry,
    init: WorkerInit,
    onCrash: (slot: WorkerSlot, error: SluiceError) => void,
  ) {
    this.index = index;
    this.#entry = entry;
    this.#init = init;
    this.#onCrash = onCrash;
  }

  get state(): SlotState {
    return this.#state;
  }

  /** Rows sent or waiting and not yet answered: the pool's measure of how busy the slot is. */
  get pendingRows(): number {
    return this.#pendingRows;
  }

  /** Spawns the thread; resolves once the model is loaded and warmed up. Rejects with ConfigError. */
  start(): Promise<WorkerReady> {
    this.#state = 'starting';
    const worker = new Worker(this.#entry.script, { eval: this.#entry.eval, workerData: this.#init });
    this.#worker = worker;
    let lastError: Error | undefined;

    return new Promise<WorkerReady>((resolve, reject) => {
      worker.on('message', (message: FromWorkerMessage) => {
        switch (message.type) {
          case 'ready':
            this.#state = 'ready';
            for (const queued of this.#waiting.splice(0)) this.#post(queued);
            resolve(message);
            return;
          case 'load-failed':
            reject(new ConfigError(message.code, message.message, { subject: this.#init.modelPath }));
            void this.stop(new SluiceError('SLUICE_WORKER_CRASHED', message.message, { retriable: true }));
            return;
          case 'result':
            this.#settle(message.id)?.resolve(message.scores);
            return;
          case 'failed':
            this.#settle(message.id)?.reject(
              new SluiceError(
                'SLUICE_INFER_FAILED',
                `inference failed in worker ${this.index}: ${message.message}`,
              ),
            );
        }
      });
      worker.on('error', (error) => {
        lastError = error;
      });
      worker.on('exit', (code) => {
        if (this.#worker !== worker || this.#state === 'stopped') {
          // Stopped on purpose (close, or a failed load); a start still waiting learns why.
          reject(new SluiceError('SLUICE_SHUTDOWN', `inference worker ${this.index} was stopped`));
          return;
        }
        const wasReady = this.#state === 'ready';
        this.#worker = undefined;
        this.#state = 'idle';
        const why = lastError ? errorMessage(lastError) : `exit code ${code}`;
        const crash = new SluiceError(
          'SLUICE_WORKER_CRASHED',
          `inference worker ${this.index} died (${why})`,
          {
            retriable: true,
            cause: lastError,
          },
        );
        this.#rejectAll(crash);
        if (wasReady) this.#onCrash(this, crash);
        else {
          reject(
            new ConfigError(
              'SLUICE_MODEL_LOAD_FAILED',
              `inference worker ${this.index} failed to start: ${why}`,
              {
                subject: this.#init.modelPath,
                cause: lastError,
              },
            ),
          );
        }
      });
    });
  }

  /**
   * Scores `features` (rows × featureCount). Takes ownership of `features`: its buffer is
   * transferred to the worker and is detached here afterwards.
   */
  send(id: number, features: Float32Array, rows: number): Promise<Float32Array> {
    return new Promise<Float32Array>((resolve, reject) => {
      const request: QueuedRequest = { id, features, rows, resolve, reject };
      this.#pendingRows += rows;
      if (this.#state === 'ready') this.#post(request);
      else if (this.#state === 'starting') this.#waiting.push(request);
      else {
        this.#pendingRows -= rows;
        reject(
          new SluiceError('SLUICE_WORKER_CRASHED', `inference worker ${this.index} is not running`, {
            retriable: true,
          }),
        );
      }
    });
  }

  /** Test hook: the worker exits when it takes its next request off its queue. */
  crashOnNextInfer(): void {
    this.#worker?.postMessage({ type: 'crash-on-next-infer' } satisfies ToWorkerMessage);
  }

  /**
   * Rejects everything it holds with `reason` and ends the thread; no crash is reported. The
   * worker is asked to exit by itself between runs (see infer-worker.ts for why it is not simply
   * terminated); only one that does not exit within STOP_TIMEOUT_MS is terminated.
   */
  async stop(reason: SluiceError): Promise<void> {
    this.#state = 'stopped';
    this.#rejectAll(reason);
    const worker = this.#worker;
    this.#worker = undefined;
    if (worker === undefined) return;
    // Not events.once: it would reject on an 'error' event, and only the exit matters here.
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage({ type: 'close' } satisfies ToWorkerMessage);
    const timer = setTimeout(() => void worker.terminate(), STOP_TIMEOUT_MS);
    try {
      await exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #post(request: QueuedRequest): void {
    this.#pending.set(request.id, request);
    const message: ToWorkerMessage = {
      type: 'infer',
      id: request.id,
      features: request.features,
      rows: request.rows,
    };
    this.#worker?.postMessage(message, [request.features.buffer as ArrayBuffer]);
  }

  #settle(id: number): PendingRequest | undefined {
    const request = this.#pending.get(id);
    if (request === undefined) return undefined;
    this.#pending.delete(id);
    this.#pendingRows -= request.rows;
    return request;
  }

  #rejectAll(error: SluiceError): void {
    const all = [...this.#pending.values(), ...this.#waiting.splice(0)];
    this.#pending.clear();
    this.#pendingRows = 0;
    for (const request of all) request.reject(error);
  }
}
