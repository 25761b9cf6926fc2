import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../app/config/index.ts';
import { openFeatureStore } from '../../app/open-feature-store.ts';
import { silentLogger } from '../../core/logger.ts';
import { startCli } from '../support/cli-process.ts';
import { testClient, testView, userRecord, writeFeatures } from '../support/redis-features.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/redis-server.ts';

let redis: ThrowawayRedis;
const authedUrl = () => `redis://sluice:s3cret-pw@127.0.0.1:${redis.port}`;

beforeAll(async () => {
  redis = await startThrowawayRedis();
  const admin = await testClient(redis.url);
  // A real ACL user limited to the feature keys, read and write.
  await admin.call(
    'ACL',
    'SETUSER',
    'sluice',
    'on',
    '>s3cret-pw',
    '~user:*',
    '+@read',
    '+@write',
    '+@connection',
    '+info',
  );
  await writeFeatures(admin, testView(), [userRecord('user-000001')]);
  admin.disconnect();
});
afterAll(() => redis?.stop());

describe('Redis ACL authentication', () => {
  it('reads features as an ACL user with a password from REDIS_URL', async () => {
    const env = { REDIS_URL: authedUrl() };
    const store = await openFeatureStore(loadConfig({ env }), silentLogger, undefined, env);
    try {
      const [row] = await store.getMany(['user-000001']);
      expect(row?.values.txn_count_7d).toBe(3);
    } finally {
      await store.close();
    }
  });

  it('stops `npm start` with a clear authentication error naming REDIS_URL, without a hang or the password', async () => {
    const wrong = `redis://sluice:not-the-password@127.0.0.1:${redis.port}`;
    const admin = await testClient(redis.url);
    await admin.call('ACL', 'LOG', 'RESET');
    const cli = startCli(['start'], { REDIS_URL: wrong, SLUICE_PORT: '0' });
    // "At once, without a hang", by what happened rather than a stopwatch: exit 2 (a config error,
    // not the 1 of a crash or a kill) after one login attempt (Redis's ACL log counts them; a
    // client retrying the wrong password would add to it) and before the pipeline ever ran.
    expect(await cli.exited).toBe(2);
    const failedLogins = (await admin.call('ACL', 'LOG')) as unknown[][];
    admin.disconnect();
    const entries = failedLogins.map((entry) => {
      const fields = new Map<string, unknown>();
      for (let i = 0; i < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
      return fields;
    });
    expect(entries.map((e) => [e.get('reason'), e.get('username'), e.get('count')])).toEqual([
      ['auth', 'sluice', 1],
    ]);
    expect(cli.output()).not.toContain('sluice is running');
    expect(cli.output()).toMatch(
      /REDIS_URL=redis:\/\/sluice:\*\*\*@127\.0\.0\.1:\d+.*Redis authentication failed \(WRONGPASS/,
    );
    expect(cli.output()).not.toContain('not-the-password');
  });
});
