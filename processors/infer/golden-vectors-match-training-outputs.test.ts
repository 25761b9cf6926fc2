import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { fraudBundle } from './model-bundle.ts';

const FRAUD_FEATURES = fraudBundle().manifest.features;

import { InferencePool } from './inference-pool.ts';

interface GoldenFile {
  features: string[];
  tolerance: number;
  rows: Array<{ note: string; input: number[]; probabilities: number[] }>;
}

const manifestPath = fileURLToPath(new URL('../../models/fraud/manifest.json', import.meta.url));
const golden = JSON.parse(
  readFileSync(new URL('../../models/fraud/golden.json', import.meta.url), 'utf8'),
) as GoldenFile;

describe('ONNX Runtime in Node reproduces the training script probabilities (golden.json)', () => {
  let pool: InferencePool;
  beforeAll(async () => {
    pool = await InferencePool.create({
      manifestPath,
      expectedFeatures: FRAUD_FEATURES,
      logger: silentLogger,
    });
  });
  afterAll(() => pool.close());

  it('golden.json was written for the pipeline feature vector', () => {
    expect(golden.features).toEqual([...FRAUD_FEATURES]);
    expect(golden.rows.length).toBeGreaterThanOrEqual(64);
    expect(golden.rows.some((r) => r.note.includes('unseen category'))).toBe(true);
  });

  it('every row is within 1e-5 of the training probability', async () => {
    const width = FRAUD_FEATURES.length;
    const batch = new Float32Array(golden.rows.length * width);
    golden.rows.forEach((row, i) => {
      expect(row.input).toHaveLength(width);
      batch.set(row.input, i * width);
    });
    const scores = await pool.infer(batch, golden.rows.length);
    expect(scores).toHaveLength(golden.rows.length);
    const positive = pool.manifest.positiveClassIndex;
    const off = golden.rows
      .map((row, i) => ({ note: row.note, want: row.probabilities[positive]!, got: scores[i]! }))
      .filter(({ want, got }) => !(Math.abs(want - got) <= 1e-5));
    expect(off).toEqual([]);
  });

  it('scores differ between rows (the model is not a constant)', async () => {
    const width = FRAUD_FEATURES.length;
    const batch = new Float32Array(golden.rows.length * width);
    for (const [i, row] of golden.rows.entries()) batch.set(row.input, i * width);
    const scores = await pool.infer(batch, golden.rows.length);
    expect(Math.max(...scores) - Math.min(...scores)).toBeGreaterThan(0.5);
  });
});
