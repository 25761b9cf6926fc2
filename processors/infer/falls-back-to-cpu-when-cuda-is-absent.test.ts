import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { SluiceError } from '../../core/errors.ts';
import { InferencePool } from './inference-pool.ts';

const manifestPath = fileURLToPath(new URL('../../models/fraud/manifest.json', import.meta.url));

interface LogLine {
  level: number;
  msg: string;
  provider?: string;
  fallback?: string;
}

function captureLogger() {
  const lines: LogLine[] = [];
  const logger = pino(
    { level: 'debug' },
    { write: (line: string) => lines.push(JSON.parse(line) as LogLine) },
  );
  return { logger, lines };
}

// The installed onnxruntime-node is the CPU build (the CUDA provider library is not installed), so
// on this machine "cuda" always fails to load, which is exactly the case under test.
describe('providers ["cuda", "cpu"] fall back to the CPU where CUDA is absent', () => {
  it('loads on cpu, reports it, and logs one warning naming the provider and the fallback', async () => {
    const { logger, lines } = captureLogger();
    const pool = await InferencePool.create({ manifestPath, providers: ['cuda', 'cpu'], workers: 2, logger });
    try {
      expect(pool.info.provider).toBe('cpu');
      const warnings = lines.filter((l) => l.level === 40);
      // Two workers fail the same way: one warning, not two.
      expect(warnings).toHaveLength(1);
      expect(warnings[0]?.msg).toMatch(
        /^execution provider "cuda" unavailable \(.+\); falling back to "cpu"$/,
      );
      expect(warnings[0]).toMatchObject({ provider: 'cuda', fallback: 'cpu' });
      const scores = await pool.infer(new Float32Array(3 * 12), 3);
      expect(scores).toHaveLength(3);
    } finally {
      await pool.close();
    }
  });

  it('with no provider that can load, fails with SLUICE_PROVIDER_UNAVAILABLE and the reason', async () => {
    const { logger } = captureLogger();
    const error = (await InferencePool.create({ manifestPath, providers: ['cuda'], logger }).catch(
      (e: unknown) => e,
    )) as SluiceError;
    expect(error.code).toBe('SLUICE_PROVIDER_UNAVAILABLE');
    expect(error.message).toContain('[cuda]');
    expect(error.message).toContain('"cuda":');
  });
});
