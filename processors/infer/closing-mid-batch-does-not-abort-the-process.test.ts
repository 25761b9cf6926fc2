import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { InferencePool } from './inference-pool.ts';

const manifestPath = fileURLToPath(new URL('../../models/fraud/manifest.json', import.meta.url));

// Terminating a worker while onnxruntime-node is inside `run` aborts the whole process (an
// uncaught C++ Napi::Error). Before the pool let workers exit by themselves, this file killed its
// vitest fork most of the time; a pass here means the process survived every close.
describe('closing the pool while a batch runs', () => {
  it('rejects the in-flight batch with SLUICE_SHUTDOWN, refuses new ones, and the process lives on', async () => {
    for (let round = 0; round < 5; round++) {
      const pool = await InferencePool.create({ manifestPath, workers: 2, logger: silentLogger });
      const inFlight = [100_000, 50_000, 10].map((rows) =>
        expect(pool.infer(new Float32Array(rows * 12), rows)).rejects.toMatchObject({
          code: 'SLUICE_SHUTDOWN',
        }),
      );
      // Let the first batch reach the worker and start running.
      await new Promise((resolve) => setTimeout(resolve, round));
      await pool.close();
      await Promise.all(inFlight);
      await expect(pool.infer(new Float32Array(12), 1)).rejects.toMatchObject({ code: 'SLUICE_SHUTDOWN' });
    }
  });
});
