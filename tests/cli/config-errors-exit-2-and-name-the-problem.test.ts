import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliToExit } from '../support/cli-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-cli-'));

const run = (args: string[], env: Record<string, string> = {}) =>
  runCliToExit(args, { SLUICE_PORT: '0', ...env });

describe('config errors', () => {
  it('exit 2 on an unknown key and name it', async () => {
    const file = join(dir, 'unknown.yaml');
    writeFileSync(file, 'batch:\n  maxBatchSize: 64\n  maxDelay: 5\n');
    const { code, output } = await run(['start', '--config', file]);
    expect(code).toBe(2);
    expect(output).toContain('batch.maxDelay: unknown key');
  });

  it('exit 2 on a wrong type and name the key and the variable', async () => {
    const { code, output } = await run(['start'], { SLUICE_BATCH__MAX_BATCH_SIZE: '"many"' });
    expect(code).toBe(2);
    expect(output).toContain('batch.maxBatchSize');
    expect(output).toContain('SLUICE_BATCH__MAX_BATCH_SIZE');
  });

  it('exit 2 on a missing model file and name the path', async () => {
    const { code, output } = await run(['start'], {
      SLUICE_MODEL__MANIFEST: '/nonexistent/fraud/manifest.json',
    });
    expect(code).toBe(2);
    expect(output).toContain('/nonexistent/fraud/manifest.json');
  });

  it('exit 2 when websocket.channels lacks a channel the pipeline publishes on, and name the key', async () => {
    for (const channels of ['["deadletters","drift"]', '["predictions","stats"]']) {
      const { code, output } = await run(['start'], { SLUICE_WEBSOCKET__CHANNELS: channels });
      expect(code).toBe(2);
      expect(output).toContain('websocket.channels');
      expect(output).toContain(channels.includes('"predictions"') ? '"deadletters"' : '"predictions"');
      expect(output).toContain('SLUICE_WEBSOCKET__CHANNELS');
      expect(output).not.toContain('model loaded');
    }
  });

  it('exit 2 when the feature view lacks a field the model needs, naming the key, without a stack trace', async () => {
    const { code, output } = await run(['start'], {
      SLUICE_FEATURES__VIEWS__USER__FIELDS: '{"avg_amount_30d":{"type":"double"}}',
    });
    expect(code).toBe(2);
    expect(output).toContain('features.views.user.fields');
    expect(output).toContain('txn_count_7d');
    expect(output).not.toMatch(/^\s+at /m);
    expect(output).not.toContain('model loaded');
  });

  it('exit 2 on a feature view that does not exist, naming features.view', async () => {
    const { code, output } = await run(['start'], { SLUICE_FEATURES__VIEW: 'nope' });
    expect(code).toBe(2);
    expect(output).toContain('features.view');
    expect(output).toContain('SLUICE_FEATURES__VIEW');
  });
});
