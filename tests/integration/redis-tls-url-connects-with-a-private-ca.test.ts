import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/config/index.ts';
import { openFeatureStore } from '../../app/open-feature-store.ts';
import { freePort } from '../../core/free-port.ts';
import { silentLogger } from '../../core/logger.ts';
import { RedisPredictionSink, redisSinkConfigSchema } from '../../sinks/redis/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-redis-tls-'));
let server: ChildProcess | undefined;
let port = 0;

function makeCertificate(): void {
  try {
    execFileSync(
      'openssl',
      [
        ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'],
        ...[
          '-addext',
          'subjectAltName=IP:127.0.0.1',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
      ],
      { stdio: 'ignore' },
    );
  } catch (error) {
    throw new Error(
      `cannot make a test certificate with openssl (scripts/system-packages.sh installs it): ${error}`,
    );
  }
}

/**
 * Resolves once redis-server logs that it accepts connections (its TLS listener is bound by then):
 * the event a connect needs, where a fixed sleep only guessed how long startup takes.
 */
function ready(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      if (/Ready to accept connections/.test(output)) resolve();
    });
    child.once('error', (error) => reject(new Error(`cannot start redis-server: ${error.message}`)));
    child.once('exit', (code) =>
      reject(new Error(`redis-server exited with ${code} before it was ready:\n${output}`)),
    );
  });
}

beforeAll(async () => {
  // A self-signed certificate for 127.0.0.1 is its own CA.
  makeCertificate();
  port = await freePort();
  server = spawn(
    'redis-server',
    [
      ...[
        '--port',
        '0',
        '--tls-port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      ...['--tls-cert-file', join(dir, 'cert.pem'), '--tls-key-file', join(dir, 'key.pem')],
      ...['--tls-ca-cert-file', join(dir, 'cert.pem'), '--tls-auth-clients', 'no'],
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await ready(server);
});

afterAll(() => {
  server?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('a rediss:// REDIS_URL', () => {
  it('connects over TLS trusting features.redis.caFile, and refuses an untrusted certificate at startup', async () => {
    const env = {
      REDIS_URL: `rediss://127.0.0.1:${port}`,
      SLUICE_FEATURES__REDIS__CA_FILE: join(dir, 'cert.pem'),
    };
    const store = await openFeatureStore(loadConfig({ env }), silentLogger, undefined, env);
    try {
      expect(await store.getMany(['nobody'])).toEqual([undefined]);
    } finally {
      await store.close();
    }

    const untrusted = { REDIS_URL: env.REDIS_URL };
    await expect(
      openFeatureStore(loadConfig({ env: untrusted }), silentLogger, undefined, untrusted),
    ).rejects.toThrow(
      /REDIS_URL=rediss:\/\/127\.0\.0\.1:\d+\/?: cannot connect to Redis: .*(self[- ]signed|certificate)/i,
    );
  });

  it('lets the prediction sink trust sinks.redis.caFile too, and names that key when the file cannot be read', async () => {
    const url = `rediss://127.0.0.1:${port}`;
    const sink = await RedisPredictionSink.connect(
      redisSinkConfigSchema.parse({ enabled: true, url, caFile: join(dir, 'cert.pem') }),
      silentLogger,
    );
    try {
      await sink.write([
        {
          event_id: 'e-1',
          key: 'user-tls',
          model: 'fraud',
          model_version: 'v1',
          score: 0.25,
          label: 0,
          features_missing: [],
          features_stale: [],
          event_time: 1,
          ingest_time: 2,
          inference_time: 3,
          latency_ms: 1,
          source_partition: 0,
          source_offset: 0,
          outputs: {},
        },
      ]);
    } finally {
      await sink.close();
    }

    await expect(
      RedisPredictionSink.connect(
        redisSinkConfigSchema.parse({ enabled: true, url, timeoutMs: 1000 }),
        silentLogger,
      ),
    ).rejects.toThrow(/sinks\.redis\.url.*(self[- ]signed|certificate)/i);
    await expect(
      RedisPredictionSink.connect(
        redisSinkConfigSchema.parse({ enabled: true, url, caFile: join(dir, 'missing.pem') }),
        silentLogger,
      ),
    ).rejects.toThrow(/sinks\.redis\.caFile.*missing\.pem/);
  });
});
