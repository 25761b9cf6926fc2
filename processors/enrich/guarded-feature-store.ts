import { performance } from 'node:perf_hooks';
import { errorMessage, SluiceError } from '../../core/errors.ts';
import {
  BREAKER_STATES,
  type BreakerState,
  CircuitBreaker,
  type CircuitBreakerOptions,
} from './circuit-breaker.ts';
import type { FeatureRow, FeatureStore } from './feature-store.ts';

/** Receives each lookup's outcome; app/feature-store-metrics.ts turns them into Prometheus series. */
export interface FeatureStoreObserver {
  onLookup(seconds: number, ok: boolean): void;
}

/** Per-call timeout and breaker settings of a guarded store. */
export interface GuardOptions {
  timeoutMs: number;
  breaker: CircuitBreakerOptions;
  observer?: FeatureStoreObserver | undefined;
}

/**
 * Puts a timeout and a circuit breaker in front of a remote store. A lookup that fails, times out
 * or is refused by the open breaker throws a retriable SLUICE_FEATURE_STORE_UNAVAILABLE; the
 * enricher then fails open or holds, as configured.
 */
export class GuardedFeatureStore implements FeatureStore {
  readonly kind: string;
  readonly #inner: FeatureStore;
  readonly #options: GuardOptions;
  readonly #breaker: CircuitBreaker;

  constructor(inner: FeatureStore, options: GuardOptions) {
    this.kind = inner.kind;
    this.#inner = inner;
    this.#options = options;
    this.#breaker = new CircuitBreaker(options.breaker);
  }

  get breakerState(): BreakerState {
    return this.#breaker.state;
  }

  /** The breaker state as the gauge encodes it: 0 closed, 1 half-open, 2 open. */
  get breakerGauge(): number {
    return BREAKER_STATES[this.#breaker.state];
  }

  /** Closed breaker: lookups are answered. Open or half-open: the store failed and has not answered since. */
  isAvailable(): boolean {
    return this.#breaker.state === 'closed';
  }

  async getMany(keys: readonly string[]): Promise<Array<FeatureRow | undefined>> {
    if (!this.#breaker.tryAcquire()) {
      throw unavailable(`feature store "${this.kind}": circuit breaker open; not asking until it half-opens`);
    }
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      const lookup = this.#inner.getMany(keys);
      // The timed-out call still settles later; its result is dropped and its error swallowed here.
      lookup.catch(() => undefined);
      const rows = await Promise.race([
        lookup,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                unavailable(
                  `feature store "${this.kind}": lookup timed out after ${this.#options.timeoutMs} ms`,
                ),
              ),
            this.#options.timeoutMs,
          );
        }),
      ]);
      this.#breaker.onSuccess();
      this.#options.observer?.onLookup((performance.now() - started) / 1000, true);
      return rows;
    } catch (error) {
      this.#breaker.onFailure();
      this.#options.observer?.onLookup((performance.now() - started) / 1000, false);
      if (error instanceof SluiceError) throw error;
      throw unavailable(`feature store "${this.kind}" lookup failed: ${errorMessage(error)}`, error);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

function unavailable(message: string, cause?: unknown): SluiceError {
  return new SluiceError('SLUICE_FEATURE_STORE_UNAVAILABLE', message, { retriable: true, cause });
}
