import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { fraudBundle } from './model-bundle.ts';

const FRAUD_FEATURES = fraudBundle().manifest.features;

import { InferencePool } from './inference-pool.ts';

const modelPath = fileURLToPath(new URL('../../models/fraud/model.onnx', import.meta.url));
const manifestPath = fileURLToPath(new URL('../../models/fraud/manifest.json', import.meta.url));

describe('a model whose signature does not match its manifest is rejected with both sides named', () => {
  let dir: string;
  let manifest: Record<string, unknown>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-signature-'));
    manifest = { ...JSON.parse(await readFile(manifestPath, 'utf8')), file: modelPath };
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function createWith(name: string, overrides: Record<string, unknown>): Promise<SluiceError> {
    const path = join(dir, `${name}.json`);
    await writeFile(path, JSON.stringify({ ...manifest, ...overrides }));
    const error = await InferencePool.create({ manifestPath: path, logger: silentLogger }).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (error === undefined) throw new Error(`${name}: the pool loaded`);
    return error as SluiceError;
  }

  it('a manifest with 11 features: expected [batch, 11], actual [.., 12]', async () => {
    const error = await createWith('eleven', { features: FRAUD_FEATURES.slice(0, 11) });
    expect(error.code).toBe('SLUICE_MODEL_SIGNATURE_MISMATCH');
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain(modelPath);
    expect(error.message).toContain('expected input "features": float32 [batch, 11]');
    expect(error.message).toMatch(/model has inputs "features": float32 \[\w+, 12\]/);
  });

  it('a wrong input name: the expected name and the model’s actual input are both in the message', async () => {
    const error = await createWith('wrong-input', { input: 'x' });
    expect(error.code).toBe('SLUICE_MODEL_SIGNATURE_MISMATCH');
    expect(error.message).toContain('input "x"');
    expect(error.message).toContain('"features": float32');
  });

  it('a wrong output name names the outputs the model has', async () => {
    const error = await createWith('wrong-output', { output: 'scores' });
    expect(error.code).toBe('SLUICE_MODEL_SIGNATURE_MISMATCH');
    expect(error.message).toContain('output "scores"');
    expect(error.message).toContain('"probabilities": float32');
    expect(error.message).toContain('"label": int64');
  });

  it('a positive class index beyond the output columns', async () => {
    const error = await createWith('class-index', { positiveClassIndex: 2 });
    expect(error.code).toBe('SLUICE_MODEL_SIGNATURE_MISMATCH');
    expect(error.message).toContain('positiveClassIndex 2');
    expect(error.message).toMatch(/"probabilities": float32 \[\w+, 2\]/);
  });

  it('features in another order than the pipeline vector: both lists are named', async () => {
    const swapped = [FRAUD_FEATURES[1], FRAUD_FEATURES[0], ...FRAUD_FEATURES.slice(2)];
    const path = join(dir, 'swapped.json');
    await writeFile(path, JSON.stringify({ ...manifest, features: swapped }));
    const error = (await InferencePool.create({
      manifestPath: path,
      expectedFeatures: FRAUD_FEATURES,
      logger: silentLogger,
    }).catch((e: unknown) => e)) as SluiceError;
    expect(error.code).toBe('SLUICE_MODEL_SIGNATURE_MISMATCH');
    expect(error.message).toContain(path);
    expect(error.message).toContain(`[log_amount, amount, amount_to_avg`);
    expect(error.message).toContain(`[amount, log_amount, amount_to_avg`);
  });
});
