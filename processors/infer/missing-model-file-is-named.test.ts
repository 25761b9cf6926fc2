import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { InferencePool } from './inference-pool.ts';
import { loadModelManifest } from './model-manifest.ts';

const manifestPath = fileURLToPath(new URL('../../models/fraud/manifest.json', import.meta.url));

describe('a missing or broken model is reported with the path or field to fix', () => {
  let dir: string;
  let manifest: Record<string, unknown>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-manifest-'));
    manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (e: unknown) => e as SluiceError,
    );

  it('a model file that does not exist: SLUICE_MODEL_FILE_MISSING naming the resolved path', async () => {
    const path = join(dir, 'gone.json');
    await writeFile(path, JSON.stringify({ ...manifest, file: 'nowhere/model-v9.onnx' }));
    const error = await failure(InferencePool.create({ manifestPath: path, logger: silentLogger }));
    expect(error.code).toBe('SLUICE_MODEL_FILE_MISSING');
    expect(error.name).toBe('ConfigError');
    expect(error.message).toContain(join(dir, 'nowhere', 'model-v9.onnx'));
    expect(error.subject).toBe(join(dir, 'nowhere', 'model-v9.onnx'));
  });

  it('a manifest that does not exist: SLUICE_MODEL_FILE_MISSING naming it', async () => {
    const path = join(dir, 'no-such-manifest.json');
    const error = await failure(loadModelManifest(path));
    expect(error.code).toBe('SLUICE_MODEL_FILE_MISSING');
    expect(error.message).toContain(path);
  });

  it('a bad field: SLUICE_CONFIG_INVALID naming the file and the field', async () => {
    const path = join(dir, 'bad-threshold.json');
    await writeFile(path, JSON.stringify({ ...manifest, decisionThreshold: 1.5 }));
    const error = await failure(loadModelManifest(path));
    expect(error.code).toBe('SLUICE_CONFIG_INVALID');
    expect(error.message).toContain(path);
    expect(error.message).toContain('field "decisionThreshold"');
  });

  it('a file that is not an ONNX model: SLUICE_MODEL_LOAD_FAILED naming it', async () => {
    const bogus = join(dir, 'bogus.onnx');
    await writeFile(bogus, 'this is not a protobuf');
    const path = join(dir, 'bogus.json');
    await writeFile(path, JSON.stringify({ ...manifest, file: 'bogus.onnx' }));
    const error = await failure(InferencePool.create({ manifestPath: path, logger: silentLogger }));
    expect(error.code).toBe('SLUICE_MODEL_LOAD_FAILED');
    expect(error.message).toContain(bogus);
  });
});
