/**
 * Runs the latency-budget controller inside a topology: every `controlIntervalMs` it hands the
 * controller the interval's p99 (ingest to ack) and how the batches closed, and applies the answer
 * to the batcher, the in-flight gate and the batch runner (whose gauges, `sluice_batch_size_limit`,
 * `sluice_inflight_limit` and `sluice_concurrent_batches_limit`, show what it chose), and logs each
 * interval's observation and decision at debug.
 */
import { performance } from 'node:perf_hooks';
import type { Logger } from '../../core/index.ts';
import type { InFlightGate } from '../inflight-gate.ts';
import {
  type BatchingDecision,
  LatencyBudgetController,
  type LatencyBudgetLimits,
} from './latency-budget-controller.ts';
import type { LatencyRecorder } from './latency-recorder.ts';

/** A topology's batch settings, as the controller's limits and defaults read them. */
export interface BudgetSettings {
  readonly budgetMs: number;
  readonly batch: {
    maxBatchSize: number;
    maxConcurrentBatches: number;
    minBatchSize?: number;
    controlIntervalMs?: number;
  };
  /** `consumer.maxInFlight`: the in-flight bound never exceeds it. */
  readonly maxInFlight: number;
}

/** The runtime's parts the decisions turn, and what the control reads. */
export interface BatchingParts {
  readonly batcher: { setMaxBatchSize(size: number): void };
  readonly runner: { setMaxConcurrent(count: number): void };
  readonly gate: InFlightGate;
  readonly latency: LatencyRecorder;
  readonly logger: Logger;
  /** Events acknowledged so far (for the throughput of each interval). */
  delivered(): number;
  /** Whether the consumer is paused by the in-flight bound. */
  paused(): boolean;
}

export class BatchingControl {
  readonly #controller: LatencyBudgetController;
  readonly #parts: BatchingParts;
  readonly #intervalMs: number;
  #lastDelivered = 0;
  #lastTickMs = 0;
  #timer: NodeJS.Timeout | undefined;
  #batches = 0;
  #events = 0;
  #full = 0;

  constructor({ budgetMs, batch, maxInFlight }: BudgetSettings, parts: BatchingParts) {
    const limits: LatencyBudgetLimits = {
      budgetMs,
      minBatchSize: Math.min(batch.minBatchSize ?? 16, batch.maxBatchSize),
      maxBatchSize: batch.maxBatchSize,
      maxInFlight,
      minConcurrentBatches: 1,
      maxConcurrentBatches: batch.maxConcurrentBatches,
    };
    this.#controller = new LatencyBudgetController(limits, Math.min(256, batch.maxBatchSize));
    this.#parts = parts;
    this.#intervalMs = batch.controlIntervalMs ?? 500;
  }

  get decision(): BatchingDecision {
    return this.#controller.decision;
  }

  /** Applies the first decision and starts the control loop. */
  start(): void {
    this.#apply(this.decision);
    this.#parts.latency.takeBudgetWindow();
    this.#lastDelivered = this.#parts.delivered();
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

  /**
   * Whether the input is held back by the in-flight bound right now (the gate nearly full, or the
   * consumer paused): batches then close on their delay because the bound starves them, not
   * because the input is light, and count as full.
   */
  #heldBack(): boolean {
    const { gate } = this.#parts;
    return this.#parts.paused() || gate.count >= gate.limit * 0.75;
  }

  #tick(): void {
    const p99Ms = this.#parts.latency.takeBudgetWindow();
    const now = performance.now();
    const delivered = this.#parts.delivered();
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
    this.#parts.logger.debug({ ...observed, ...next }, 'latency budget: interval');
  }

  #apply(d: BatchingDecision): void {
    this.#parts.batcher.setMaxBatchSize(d.batchSize);
    this.#parts.gate.setLimit(d.maxInFlight);
    this.#parts.runner.setMaxConcurrent(d.concurrentBatches);
  }
}
