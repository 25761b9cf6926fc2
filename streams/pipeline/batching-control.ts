/**
 * Runs the latency-budget controller inside a topology: every `controlIntervalMs` it hands the
 * controller the interval's p99 (ingest to ack) and how the batches closed, and applies the answer
 * to the batcher, the in-flight gate and the batch runner (whose gauges, `sluice_batch_size_limit`,
 * `sluice_inflight_limit` and `sluice_concurrent_batches_limit`, show what it chose), and logs each
 * interval's observation and decision at debug.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../core/index.ts';
import {
  type BatchingDecision,
  LatencyBudgetController,
  type LatencyBudgetLimits,
} from './latency-budget-controller.ts';
import type { LatencyRecorder } from './latency-recorder.ts';

/** The controller's limits from a topology's batch settings and its consumer's in-flight bound. */
export function budgetLimits(
  budgetMs: number,
  batch: { maxBatchSize: number; maxConcurrentBatches: number; minBatchSize?: number },
  maxInFlight: number,
): LatencyBudgetLimits {
  return {
    budgetMs,
    minBatchSize: Math.min(batch.minBatchSize ?? 16, batch.maxBatchSize),
    maxBatchSize: batch.maxBatchSize,
    maxInFlight,
    minConcurrentBatches: 1,
    maxConcurrentBatches: batch.maxConcurrentBatches,
  };
}

/** The runtime's knobs the decisions turn. */
export interface BatchingKnobs {
  setBatchSize(size: number): void;
  setInFlight(limit: number): void;
  setConcurrentBatches(count: number): void;
}

export class BatchingControl {
  readonly #controller: LatencyBudgetController;
  readonly #knobs: BatchingKnobs;
  readonly #latency: LatencyRecorder;
  readonly #logger: Logger;
  readonly #intervalMs: number;
  readonly #delivered: () => number;
  readonly #heldBack: () => boolean;
  #lastDelivered = 0;
  #lastTickMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #batches = 0;
  #events = 0;
  #full = 0;

  constructor(
    limits: LatencyBudgetLimits,
    parts: {
      knobs: BatchingKnobs;
      latency: LatencyRecorder;
      logger: Logger;
      intervalMs: number;
      initialBatchSize: number;
      /** Events acknowledged so far (for the throughput of each interval). */
      delivered: () => number;
      /**
       * Whether the input is held back by the in-flight bound right now (the gate nearly full, or
       * the consumer paused): batches then close on their delay because the bound starves them,
       * not because the input is light, and count as full.
       */
      heldBack: () => boolean;
    },
  ) {
    this.#controller = new LatencyBudgetController(limits, parts.initialBatchSize);
    this.#knobs = parts.knobs;
    this.#latency = parts.latency;
    this.#logger = parts.logger;
    this.#intervalMs = parts.intervalMs;
    this.#delivered = parts.delivered;
    this.#heldBack = parts.heldBack;
  }

  get decision(): BatchingDecision {
    return this.#controller.decision;
  }

  /** Applies the first decision and starts the control loop. */
  start(): void {
    this.#apply(this.decision);
    this.#latency.takeBudgetWindow();
    this.#lastDelivered = this.#delivered();
    this.#lastTickMs = performance.now();
    this.#timer = setInterval(() => this.#tick(), this.#intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Called for every closed batch. */
  noteBatch(size: number, reason: 'size' | 'delay' | 'flush'): void {
    this.#batches++;
    this.#events += size;
    if (reason === 'size' || this.#heldBack()) this.#full++;
  }

  #tick(): void {
    const p99Ms = this.#latency.takeBudgetWindow();
    const now = performance.now();
    const delivered = this.#delivered();
    const deliveredPerSec = ((delivered - this.#lastDelivered) * 1000) / Math.max(1, now - this.#lastTickMs);
    this.#lastDelivered = delivered;
    this.#lastTickMs = now;
    if (this.#batches === 0) return; // nothing to learn from an idle interval
    const before = this.decision;
    const next = this.#controller.observe({
      p99Ms,
      meanBatchFill: this.#events / this.#batches,
      fullShare: this.#full / this.#batches,
      deliveredPerSec,
    });
    const observed = {
      p99Ms,
      batches: this.#batches,
      full: this.#full,
      deliveredPerSec: Math.round(deliveredPerSec),
    };
    this.#batches = 0;
    this.#events = 0;
    this.#full = 0;
    const changed =
      next.batchSize !== before.batchSize ||
      next.maxInFlight !== before.maxInFlight ||
      next.concurrentBatches !== before.concurrentBatches;
    if (changed) this.#apply(next);
    // Every interval, at debug: `npm run bench -- kafka --decisions` prints this trail.
    this.#logger.debug({ ...observed, ...next }, 'latency budget: interval');
  }

  #apply(d: BatchingDecision): void {
    this.#knobs.setBatchSize(d.batchSize);
    this.#knobs.setInFlight(d.maxInFlight);
    this.#knobs.setConcurrentBatches(d.concurrentBatches);
  }
}
