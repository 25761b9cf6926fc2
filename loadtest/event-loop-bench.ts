import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { InferencePool } from '../processors/infer/index.ts';

/** How late the main thread's event loop ran over one window, from a 10 ms-resolution delay histogram. */
export interface LoopLag {
  windowMs: number;
  rows: number;
  p50LagMs: number;
  p99LagMs: number;
  maxLagMs: number;
}

const RESOLUTION_MS = 10;

/** The main-thread work of a batch: filled before the window opens, so only scoring is inside it. */
function buildBatches(count: number, rows: number, width: number): Float32Array[] {
  return Array.from({ length: count }, (_, b) => {
    const batch = new Float32Array(rows * width);
    for (let i = 0; i < batch.length; i++) batch[i] = ((i + b) % 97) / 10;
    return batch;
  });
}

async function measure(run: () => Promise<number>): Promise<LoopLag> {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  const started = performance.now();
  const rows = await run();
  const windowMs = performance.now() - started;
  histogram.disable();
  // The histogram records the whole delay between samples in ns; lag is what exceeds the resolution.
  const lag = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  return {
    windowMs,
    rows,
    p50LagMs: lag(histogram.percentile(50)),
    p99LagMs: lag(histogram.percentile(99)),
    maxLagMs: lag(histogram.max),
  };
}

/**
 * Event-loop lag on the main thread while the pool scores `batches` batches of `rows` rows back to
 * back (each sent when the previous one returns, so the worker is busy for the whole window), and
 * over an idle window of the same length: the floor the machine itself adds.
 */
export async function measureLoopLagDuringInference(
  pool: InferencePool,
  rows: number,
  batches: number,
): Promise<{ idle: LoopLag; scoring: LoopLag }> {
  const width = pool.info.features.length;
  const inputs = buildBatches(batches, rows, width);
  const scoring = await measure(async () => {
    let scored = 0;
    for (const batch of inputs) scored += (await pool.infer(batch, rows)).length;
    return scored;
  });
  const idle = await measure(async () => {
    await new Promise((resolve) => setTimeout(resolve, scoring.windowMs));
    return 0;
  });
  return { idle, scoring };
}
