import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { freePort, startCli } from '../support/cli-process.ts';

const redisUrl = process.env.REDIS_URL;

describe('npm start with REDIS_URL', () => {
  it('enriches from Redis, stores the latest prediction per key with a TTL, and exits 0 on SIGTERM', async () => {
    if (!redisUrl) {
      throw new Error(
        'REDIS_URL is not set: run `npm test` (it provisions Redis), or `npm run services -- up && source .sluice/services/env`',
      );
    }
    const prefix = `cli-${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    const cli = startCli([], {
      REDIS_URL: redisUrl,
      SLUICE_PORT: String(port),
      SLUICE_STATUS__INTERVAL_MS: '0',
      SLUICE_SINKS__REDIS__ENABLED: 'true',
      SLUICE_SINKS__REDIS__KEY_TEMPLATE: `${prefix}:prediction:{key}`,
      SLUICE_SINKS__REDIS__TTL_SECONDS: '600',
    });
    const redis = new Redis(redisUrl);
    try {
      const stored = async () => (await redis.keys(`${prefix}:prediction:*`)).length;
      const deadline = Date.now() + 30_000;
      while ((await stored()) < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(await stored(), cli.output().slice(-2000)).toBeGreaterThanOrEqual(20);

      const [key] = await redis.keys(`${prefix}:prediction:*`);
      const hash = await redis.hgetall(key!);
      expect(hash).toMatchObject({ model: 'fraud', key: key!.slice(`${prefix}:prediction:`.length) });
      expect(Number(hash.score)).toBeGreaterThanOrEqual(0);
      const ttl = await redis.pttl(key!);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(600_000);

      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const lookups = /^sluice_feature_store_lookups_total\{store="redis"\} (\d+)/m.exec(metrics);
      expect(Number(lookups?.[1] ?? 0)).toBeGreaterThan(0);
      expect(cli.output()).toMatch(/"store":"redis"/);
    } finally {
      cli.child.kill('SIGTERM');
      const code = await cli.exited;
      expect(code, cli.output().slice(-2000)).toBe(0);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  }, 60_000);
});
