import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openFeatureStore } from '../../app/open-feature-store.ts';
import { silentLogger } from '../../core/logger.ts';
import {
  closeSharedScorer,
  readDeadLetters,
  readPredictions,
  startEmbeddedTopology,
  testConfig,
  waitFor,
} from '../support/embedded-harness.ts';
import { eventRecord, testClient, testView, userRecord, writeFeatures } from '../support/redis-features.ts';
import { deleteKeys } from '../support/redis-predictions.ts';
import { sharedRedisUrl } from '../support/redis-server.ts';

const ALL = ['avg_amount_30d', 'txn_count_7d', 'account_age_days', 'days_since_last_login'];
const KEYS = ['full', 'nokey', 'partial', 'stale', 'wrongtype'];
const prefix = `test-${randomUUID().slice(0, 8)}`;
let admin: Redis;

beforeAll(async () => {
  admin = await testClient(sharedRedisUrl());
});
afterAll(async () => {
  if (admin) await deleteKeys(admin, `${prefix}:*`);
  admin?.disconnect();
  await closeSharedScorer();
});

/** Seeds the four kinds of stored row under the view's key template ("nokey" is never written). */
async function seed(view: ReturnType<typeof testView>): Promise<void> {
  const partial = userRecord('partial');
  delete partial.values.days_since_last_login;
  await writeFeatures(admin, view, [
    userRecord('full'),
    partial,
    userRecord('stale', Date.now() - 7_200_000),
    userRecord('wrongtype'),
  ]);
  const wrongKey = view.keyTemplate.replace('{key}', 'wrongtype');
  // A hash field another writer filled with text; a packed value that is not in the format.
  if (view.layout === 'hash') await admin.hset(wrongKey, 'txn_count_7d', 'lots');
  else await admin.set(wrongKey, 'not packed');
}

async function run(layout: 'packed' | 'hash', policies: Record<string, string>) {
  const viewInput = { layout, keyTemplate: `${prefix}:${layout}:{key}`, maxAgeSeconds: 3600, ...policies };
  await seed(testView(viewInput));
  const config = testConfig({
    features: { store: 'redis', redis: { url: sharedRedisUrl() }, views: { user: viewInput } },
    batch: { maxBatchSize: 16, maxDelayMs: 2 },
  });
  const featureStore = await openFeatureStore(config, silentLogger);
  const { transport, topology } = await startEmbeddedTopology({ config: { ...config }, featureStore });
  const producer = await transport.createProducer();
  await producer.send(
    'events',
    KEYS.map((key) => eventRecord(`${layout}-${key}`, key)),
  );
  await waitFor(
    () => topology.totals.delivered + topology.totals.deadLetters === KEYS.length,
    10_000,
    'every event',
  );
  await topology.stop(2000);
  await featureStore.close();
  const predictions = new Map(readPredictions(transport).map((p) => [p.key, p]));
  const deadLetters = new Map(
    readDeadLetters(transport).map(({ letter }) => [letter.original_key!.toString(), letter]),
  );
  return { predictions, deadLetters };
}

describe.each(['packed', 'hash'] as const)('with the %s layout, on a real Redis', (layout) => {
  it('defaults and flags missing keys, missing fields, stale values and wrong types on the prediction', async () => {
    const { predictions, deadLetters } = await run(layout, {});
    expect(deadLetters.size).toBe(0);
    const flags = (key: string) => {
      const p = predictions.get(key)!;
      return { missing: p.features_missing, stale: p.features_stale };
    };
    expect(flags('full')).toEqual({ missing: [], stale: [] });
    expect(flags('nokey')).toEqual({ missing: ALL, stale: [] });
    expect(flags('partial')).toEqual({ missing: ['days_since_last_login'], stale: [] });
    expect(flags('stale')).toEqual({ missing: [], stale: ALL });
    // A hash names the one bad field; a packed value that cannot be decoded loses all of them.
    expect(flags('wrongtype')).toEqual({ missing: layout === 'hash' ? ['txn_count_7d'] : ALL, stale: [] });
  });

  it('dead-letters each case under the dead-letter policies, with its own error class', async () => {
    const { predictions, deadLetters } = await run(layout, {
      onMissing: 'dead-letter',
      onStale: 'dead-letter',
      onWrongType: 'dead-letter',
    });
    expect([...predictions.keys()]).toEqual(['full']);
    const classOf = (key: string) => ({
      stage: deadLetters.get(key)?.stage,
      code: deadLetters.get(key)?.error_class,
    });
    expect(classOf('nokey')).toEqual({ stage: 'enrich', code: 'SLUICE_ENRICH_FEATURE_MISSING' });
    expect(classOf('partial')).toEqual({ stage: 'enrich', code: 'SLUICE_ENRICH_FEATURE_MISSING' });
    expect(classOf('stale')).toEqual({ stage: 'enrich', code: 'SLUICE_ENRICH_FEATURE_STALE' });
    expect(classOf('wrongtype')).toEqual({ stage: 'enrich', code: 'SLUICE_ENRICH_FEATURE_WRONG_TYPE' });
    expect(deadLetters.get('partial')!.message).toContain('days_since_last_login');
  });

  it('replaces a stale row by the defaults under onStale=default, still flagging it stale', async () => {
    const { predictions } = await run(layout, { onStale: 'default' });
    expect(predictions.get('stale')!.features_stale).toEqual(ALL);
  });
});
