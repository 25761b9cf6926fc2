import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { loadConfig } from './load-config.ts';

function fails(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const dir = mkdtempSync(join(tmpdir(), 'sluice-config-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('config errors name the key and where it came from', () => {
  it('needs no file: every key has a default', () => {
    const config = loadConfig({ env: {} });
    expect(config.port).toBe(8080);
    expect(config.batch.maxBatchSize).toBe(512);
    expect(config.transport.kind).toBe('embedded');
  });

  it('reports an unknown key in the file', () => {
    const error = fails(() =>
      loadConfig({ file: file('unknown.yaml', 'batch:\n  maxBatchSise: 64\n'), env: {} }),
    );
    expect(error.code).toBe('SLUICE_CONFIG_INVALID');
    expect(error.message).toContain('batch.maxBatchSise: unknown key');
  });

  it('reports a wrong type in the file', () => {
    const error = fails(() =>
      loadConfig({ file: file('type.yaml', 'batch:\n  maxDelayMs: soon\n'), env: {} }),
    );
    expect(error.message).toContain('batch.maxDelayMs');
    expect(error.message).toContain('expected number');
  });

  it('reports a drift slide that does not divide the window, by its key', () => {
    const error = fails(() =>
      loadConfig({ file: file('slide.yaml', 'drift:\n  windowMs: 60000\n  slideMs: 25000\n'), env: {} }),
    );
    expect(error.message).toContain(
      'drift.slideMs: must divide windowMs (60000) into at most 60 panes; got 25000',
    );
    const config = loadConfig({ file: file('slide-ok.yaml', 'drift:\n  slideMs: 20000\n'), env: {} });
    expect(config.drift).toMatchObject({ windowMs: 60_000, slideMs: 20_000 });
  });

  it('reports a bad environment override by its variable', () => {
    const error = fails(() => loadConfig({ env: { SLUICE_PORT: '70000' } }));
    expect(error.message).toContain('port');
    expect(error.message).toContain('SLUICE_PORT');
  });

  it('applies nested environment overrides', () => {
    const config = loadConfig({
      env: { SLUICE_BATCH__MAX_BATCH_SIZE: '64', SLUICE_MODEL__PROVIDERS: '["cuda","cpu"]' },
    });
    expect(config.batch.maxBatchSize).toBe(64);
    expect(config.model.providers).toEqual(['cuda', 'cpu']);
  });

  it('reports an unreadable or malformed file', () => {
    expect(fails(() => loadConfig({ file: join(dir, 'absent.yaml'), env: {} })).code).toBe(
      'SLUICE_CONFIG_FILE_UNREADABLE',
    );
    expect(fails(() => loadConfig({ file: file('bad.yaml', 'batch: [1,\n'), env: {} })).message).toContain(
      'not valid YAML',
    );
  });
});
