import { isRetriable } from './errors.ts';

/** Backoff policy for `retry`; delays grow by `factor` up to `maxDelayMs`, with ±`jitter` spread. */
export interface RetryOptions {
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  jitter: number;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

const DEFAULTS: RetryOptions = {
  retries: 5,
  initialDelayMs: 100,
  maxDelayMs: 10_000,
  factor: 2,
  jitter: 0.2,
};

export function backoffDelayMs(
  attempt: number,
  options: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'factor' | 'jitter'>,
): number {
  const base = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** attempt);
  const spread = base * options.jitter;
  return Math.max(0, Math.round(base - spread + Math.random() * 2 * spread));
}

/** Runs `fn` until it succeeds, bails out at once on a non-retriable error (a programmer error such as a TypeError or RangeError never retries). */
export async function retry<T>(
  fn: (attempt: number) => Promise<T>,
  partial: Partial<RetryOptions> = {},
): Promise<T> {
  // Merged on the first failure only: most calls (a sink write, a batch scored) succeed at once.
  let options: RetryOptions | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      options ??= { ...DEFAULTS, ...partial };
      if (attempt >= options.retries || !isRetriable(error) || options.signal?.aborted) throw error;
      const delayMs = backoffDelayMs(attempt, options);
      options.onRetry?.(error, attempt + 1, delayMs);
      await sleep(delayMs, options.signal);
    }
  }
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
