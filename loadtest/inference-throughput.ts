import type { InferencePool } from '../processors/infer/index.ts';

/** One throughput measurement; the benchmark prints and stores these. */
export interface InferenceThroughput {
  batchSize: number;
  /** Batches kept in flight at once. */
  inFlight: number;
  batches: number;
  rows: number;
  durationMs: number;
  rowsPerSecond: number;
  batchesPerSecond: number;
  /** Mean time from `infer` call to result, per batch. */
  meanBatchMs: number;
}

/**
 * Scores batches of `batchSize` rows for about `durationMs` and reports the rate. Called by the
 * benchmark (loadtest/) and by hand; never by a test that asserts timings. The rows are synthetic
 * but finite and varied: an MLP's cost does not depend on the values. Each call allocates its
 * batch, as the pipeline does, since `infer` takes ownership of the buffer.
 */
export async function measureInferenceThroughput(
  pool: InferencePool,
  batchSize: number,
  durationMs: number,
  options: { inFlight?: number } = {},
): Promise<InferenceThroughput> {
  const inFlight = options.inFlight ?? 1;
  const width = pool.info.features.length;
  const template = new Float32Array(batchSize * width);
  for (let i = 0; i < template.length; i++) template[i] = ((i * 7919) % 1000) / 100;

  let batches = 0;
  let busyMs = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await pool.infer(template.slice(), batchSize);
      busyMs += performance.now() - t0;
      batches++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const elapsedMs = performance.now() - started;
  const rows = batches * batchSize;
  return {
    batchSize,
    inFlight,
    batches,
    rows,
    durationMs: elapsedMs,
    rowsPerSecond: (rows / elapsedMs) * 1000,
    batchesPerSecond: (batches / elapsedMs) * 1000,
    meanBatchMs: batches === 0 ? 0 : busyMs / batches,
  };
}
