import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceError } from '../../core/errors.ts';
import { crashWorkerForTesting, InferencePool } from './inference-pool.ts';

const manifestPath = fileURLToPath(new URL('../../models/fraud/manifest.json', import.meta.url));
const WIDTH = 12;

function rowsOf(rows: number, seed: number): Float32Array {
  const batch = new Float32Array(rows * WIDTH);
  for (let i = 0; i < batch.length; i++) batch[i] = ((i * 31 + seed) % 50) / 5;
  return batch;
}

describe('a worker crash rejects its in-flight batches and the pool keeps serving', () => {
  const messages: string[] = [];
  let pool: InferencePool;
  beforeAll(async () => {
    const logger = pino(
      { level: 'info' },
      { write: (line: string) => messages.push((JSON.parse(line) as { msg: string }).msg) },
    );
    pool = await InferencePool.create({ manifestPath, logger });
  });
  afterAll(() => pool.close());

  it('in-flight requests fail with retriable SLUICE_WORKER_CRASHED; later ones are scored after the respawn', async () => {
    const expected = await pool.infer(rowsOf(100, 1), 100);

    pool[crashWorkerForTesting](0);
    const inFlight = [pool.infer(rowsOf(100, 1), 100), pool.infer(rowsOf(5000, 2), 5000)];
    const outcomes = await Promise.allSettled(inFlight);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      const error = (outcome as PromiseRejectedResult).reason as SluiceError;
      expect(error.code).toBe('SLUICE_WORKER_CRASHED');
      expect(error.retriable).toBe(true);
    }

    // Sent right after the crash: it waits for the respawned worker instead of failing.
    const after = await pool.infer(rowsOf(100, 1), 100);
    expect(Array.from(after)).toEqual(Array.from(expected));
    expect(messages).toContain('inference worker crashed; restarting it');
    expect(messages).toContain('inference worker restarted');
  });
});
