import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { createEnricher, enrichConfigSchema, RedisFeatureStore } from '../../processors/enrich/index.ts';
import { fraudBundle } from '../../processors/infer/index.ts';

const fraudFeatureView = fraudBundle().featureView;

import { newScoringItem } from '../../processors/scoring-item.ts';
import { codecs, type TransactionEvent } from '../../schemas/index.ts';
import type { ConsumedRecord } from '../../streams/index.ts';
import {
  callsBetween,
  commandCalls,
  eventRecord,
  testClient,
  testView,
  userRecord,
  writeFeatures,
} from '../support/redis-features.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/redis-server.ts';
import { waitFor } from '../support/wait-for.ts';

let redis: ThrowawayRedis;
beforeAll(async () => {
  redis = await startThrowawayRedis();
});
afterAll(() => redis?.stop());

function items(count: number) {
  return Array.from({ length: count }, (_, i) => {
    const event = codecs.event.type.fromBuffer(eventRecord(`e${i}`, `u${i}`).value!) as TransactionEvent;
    return newScoringItem({} as ConsumedRecord, event, event.event_id, event.key, event.event_time);
  });
}

describe.each(['packed', 'hash'] as const)('enriching with the %s layout', (layout) => {
  it('costs exactly one round trip for a batch of 1,000 events, counted on the server and at the socket', async () => {
    const view = testView({ layout, keyTemplate: `${layout}:user:{key}` });
    const admin = await testClient(redis.url);
    const client = await testClient(redis.url);
    try {
      await writeFeatures(
        admin,
        view,
        Array.from({ length: 1000 }, (_, i) => userRecord(`u${i}`)),
      );
      const store = new RedisFeatureStore(client, view);
      const config = enrichConfigSchema.parse({ views: { user: { ...view } } });
      const enrich = createEnricher(store, fraudFeatureView, config, silentLogger);
      const batch = items(1000);

      let socketWrites = 0;
      const stream = (client as unknown as { stream: { write: (...args: unknown[]) => boolean } }).stream;
      const write = stream.write.bind(stream);
      stream.write = (...args: unknown[]) => {
        socketWrites++;
        return write(...args);
      };
      const before = await commandCalls(admin);
      await enrich(batch);
      const after = await commandCalls(admin);

      // One MGET of 1,000 keys, or 1,000 HMGETs sent in one pipeline: a single socket write either way.
      expect(callsBetween(before, after)).toEqual(layout === 'packed' ? { mget: 1 } : { hmget: 1000 });
      expect(socketWrites).toBe(1);
      expect(batch.every((item) => item.missing.length === 0 && item.features.txn_count_7d === 3)).toBe(true);
    } finally {
      admin.disconnect();
      client.disconnect();
    }
  });
});

describe('the optional in-process cache', () => {
  it('answers a repeated batch within its TTL without asking Redis, and asks again after it', async () => {
    const view = testView({ keyTemplate: 'cached:user:{key}' });
    const admin = await testClient(redis.url);
    const client = await testClient(redis.url);
    try {
      await writeFeatures(admin, view, [userRecord('u1'), userRecord('u2')]);
      const keys = ['u1', 'u2', 'unknown'];

      // Within the TTL: one longer than the test may run, so no stall between the two lookups can
      // outlast it (a 300 ms TTL raced the machine).
      const lasting = new RedisFeatureStore(client, view, { maxEntries: 100, ttlMs: 60_000 });
      const first = await lasting.getMany(keys);
      const before = await commandCalls(admin);
      expect(await lasting.getMany(keys)).toEqual(first);
      expect(callsBetween(before, await commandCalls(admin))).toEqual({});

      // After the TTL: wait until it has passed on the clock the cache reads (performance.now), a
      // condition a slow machine can only overshoot, which is harmless here.
      const ttlMs = 20;
      const brief = new RedisFeatureStore(client, view, { maxEntries: 100, ttlMs });
      await brief.getMany(keys);
      const cachedAt = performance.now();
      const beforeExpiry = await commandCalls(admin);
      await waitFor(() => performance.now() - cachedAt > ttlMs, 5_000, 'the cache TTL to pass');
      expect(await brief.getMany(keys)).toEqual(first);
      expect(callsBetween(beforeExpiry, await commandCalls(admin))).toEqual({ mget: 1 });
    } finally {
      admin.disconnect();
      client.disconnect();
    }
  });
});
