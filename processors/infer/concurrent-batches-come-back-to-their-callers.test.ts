import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { fraudBundle } from './model-bundle.ts';

const FRAUD_FEATURES = fraudBundle().manifest.features;

import { InferencePool } from './inference-pool.ts';

const manifestPath = fileURLToPath(new URL('../../models/fraud/manifest.json', import.meta.url));
const WIDTH = FRAUD_FEATURES.length;

/** A batch whose rows all differ, so a result routed to the wrong caller cannot match. */
function batchOf(rows: number, seed: number): Float32Array {
  const batch = new Float32Array(rows * WIDTH);
  for (let r = 0; r < rows; r++) {
    const at = r * WIDTH;
    batch[at] = 10 + ((r * 37 + seed * 101) % 5000); // amount
    batch[at + 1] = Math.log1p(batch[at]!);
    batch[at + 2] = batch[at]! / 60;
    batch[at + 3] = 60;
    batch[at + 4] = 8;
    batch[at + 5] = (seed * 13 + r) % 3000;
    batch[at + 6] = (r + seed) % 40;
    batch[at + 7] = (r + seed) % 24;
    batch[at + 8] = (r + seed) % 2;
    batch[at + 10] = ((r + seed) % 9) / 10;
    batch[at + 11] = (r * seed) % 3 === 0 ? 1 : 0;
  }
  return batch;
}

describe('several batches in flight each get their own scores back', () => {
  let pool: InferencePool;
  beforeAll(async () => {
    pool = await InferencePool.create({ manifestPath, workers: 2, logger: silentLogger });
  });
  afterAll(() => pool.close());

  it('20 concurrent batches of different sizes over 2 workers match their one-at-a-time scores', async () => {
    const sizes = Array.from({ length: 20 }, (_, i) => 1 + ((i * 397) % 3000));
    const reference: Float32Array[] = [];
    for (const [i, rows] of sizes.entries()) reference.push(await pool.infer(batchOf(rows, i), rows));

    const concurrent = await Promise.all(sizes.map((rows, i) => pool.infer(batchOf(rows, i), rows)));
    concurrent.forEach((scores, i) => {
      expect(scores).toHaveLength(sizes[i]!);
      expect(Array.from(scores)).toEqual(Array.from(reference[i]!));
    });
  });

  it('dispatches to the least busy worker: small batches do not queue behind a large one', async () => {
    const order: string[] = [];
    const track = (name: string, rows: number, seed: number) =>
      pool.infer(batchOf(rows, seed), rows).then(() => order.push(name));
    // Round-robin would put "small-2" on the worker busy with "large"; least-busy does not.
    await Promise.all([track('large', 300_000, 1), track('small-1', 10, 2), track('small-2', 10, 3)]);
    expect(order.indexOf('large')).toBe(2);
  });

  it('takes ownership of a whole-buffer batch (transferred) but copies a view into a larger buffer', async () => {
    const owned = batchOf(10, 1);
    const pending = pool.infer(owned, 10);
    expect(owned.length).toBe(0); // detached: the buffer moved to the worker
    await pending;

    const big = batchOf(20, 2);
    const view = big.subarray(10 * WIDTH);
    const scores = await pool.infer(view, 10);
    expect(big.length).toBe(20 * WIDTH); // the caller's larger buffer is untouched
    expect(Array.from(scores)).toEqual(Array.from(await pool.infer(big.slice(10 * WIDTH), 10)));
  });

  it('rejects a buffer whose length is not rows × features with SLUICE_INFER_FAILED', async () => {
    await expect(pool.infer(new Float32Array(WIDTH * 2 + 1), 2)).rejects.toMatchObject({
      code: 'SLUICE_INFER_FAILED',
    });
    expect(await pool.infer(new Float32Array(0), 0)).toHaveLength(0);
  });
});
