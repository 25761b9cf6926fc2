/**
 * A topology's sink writes: each retried until it succeeds (its inputs stay unacked, so
 * uncommitted, meanwhile), timed when it succeeds, counted when it fails or is retried.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../core/logger.ts';
import { type RetryOptions, retry } from '../../core/retry.ts';
import type { TopologyMetrics } from './topology-metrics.ts';

const SINK_RETRY = {
  retries: Number.POSITIVE_INFINITY,
  initialDelayMs: 50,
  maxDelayMs: 5000,
  factor: 2,
  jitter: 0.2,
};

export class SinkWrites {
  readonly #metrics: TopologyMetrics;
  readonly #logger: Logger;
  /** Per sink, its retry options, built once rather than per batch. */
  readonly #retryOptions = new Map<string, Partial<RetryOptions>>();

  constructor(metrics: TopologyMetrics, logger: Logger) {
    this.#metrics = metrics;
    this.#logger = logger;
  }

  write(name: string, write: () => Promise<void>): Promise<void> {
    const metrics = this.#metrics;
    return retry(async () => {
      const started = performance.now();
      try {
        await write();
      } catch (error) {
        metrics.sinkFailures.inc({ sink: name });
        throw error;
      }
      metrics.sinkWriteSeconds.observe({ sink: name }, (performance.now() - started) / 1000);
    }, this.#retry(name));
  }

  #retry(name: string): Partial<RetryOptions> {
    let options = this.#retryOptions.get(name);
    if (!options) {
      options = {
        ...SINK_RETRY,
        onRetry: (error, attempt, delayMs) => {
          this.#metrics.sinkRetries.inc({ sink: name });
          this.#logger.warn(
            { err: error, sink: name, attempt, retryInMs: delayMs },
            'sink write failed; retrying',
          );
        },
      };
      this.#retryOptions.set(name, options);
    }
    return options;
  }
}
