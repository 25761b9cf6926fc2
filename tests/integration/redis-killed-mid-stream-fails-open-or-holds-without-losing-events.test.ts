import { afterAll, describe, expect, it } from 'vitest';
import { openFeatureStore } from '../../app/open-feature-store.ts';
import { silentLogger } from '../../core/logger.ts';
import type { FeatureStore, GuardedFeatureStore } from '../../processors/enrich/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  readPredictions,
  startEmbeddedTopology,
  testConfig,
  waitFor,
} from '../support/embedded-harness.ts';
import { testClient, testView, userRecord, writeFeatures } from '../support/redis-features.ts';
import { startThrowawayRedis } from '../support/redis-server.ts';

afterAll(closeSharedScorer);

const ALL = ['avg_amount_30d', 'txn_count_7d', 'account_age_days', 'days_since_last_login'];
const CHUNK = 2000;
const MAX_IN_FLIGHT = 1000;

/**
 * `store` as the topology sees it, counting each batch's failed lookups (by its key list): under
 * failure=hold every retry of a held batch is one more failed lookup of the same keys.
 */
function countingFailedLookups(store: FeatureStore) {
  const failedByBatch = new Map<string, number>();
  const counted: FeatureStore = {
    kind: store.kind,
    getMany: (keys) =>
      store.getMany(keys).catch((error: unknown) => {
        const batch = keys.join();
        failedByBatch.set(batch, (failedByBatch.get(batch) ?? 0) + 1);
        throw error;
      }),
    close: () => store.close(),
  };
  return { counted, failedByBatch };
}

describe.each(['fail-open', 'hold'] as const)(
  'Redis SIGKILLed mid-stream and restarted, failure=%s',
  (failure) => {
    it('scores every event exactly once and never crashes', async () => {
      const redis = await startThrowawayRedis({ appendOnly: true });
      const events = generatedRecords(3 * CHUNK, 11, 300);
      const admin = await testClient(redis.url);
      await writeFeatures(
        admin,
        testView(),
        [...new Set(events.map((e) => e.key))].map((key) => userRecord(key)),
      );
      admin.disconnect();
      const config = testConfig({
        features: {
          store: 'redis',
          redis: {
            url: redis.url,
            failure,
            commandTimeoutMs: 100,
            holdRetryMs: 50,
            breaker: { failureThreshold: 2, openMs: 200 },
          },
        },
        consumer: { maxInFlight: MAX_IN_FLIGHT, maxPollRecords: 200 },
        batch: { maxBatchSize: 64, maxDelayMs: 2 },
      });
      const featureStore = await openFeatureStore(config, silentLogger);
      const { counted, failedByBatch } = countingFailedLookups(featureStore);
      const { transport, topology } = await startEmbeddedTopology({
        config: { ...config },
        featureStore: counted,
      });
      const producer = await transport.createProducer();
      const chunk = (n: number) => events.slice(n * CHUNK, (n + 1) * CHUNK).map((e) => e.record);
      try {
        await producer.send('events', chunk(0));
        await waitFor(() => topology.totals.delivered === CHUNK, 15_000, 'the first chunk before the kill');

        await redis.kill();
        await producer.send('events', chunk(1));
        if (failure === 'fail-open') {
          await waitFor(
            () => topology.totals.delivered === 2 * CHUNK,
            15_000,
            'scoring to go on while Redis is down',
          );
        } else {
          await waitFor(() => topology.paused, 10_000, 'consumption to pause at the in-flight bound');
          // "Nothing more was scored" holds only once the held batches have had their chances: each
          // batch being held must fail three more lookups. One that leaked through (scored with
          // defaults, say) stops retrying, so this wait can never end for it; a fixed sleep only
          // hoped the retries had happened.
          const heldAtPause = new Map(failedByBatch);
          expect(heldAtPause.size).toBeGreaterThan(0);
          await waitFor(
            () => [...heldAtPause].every(([batch, failed]) => failedByBatch.get(batch)! >= failed + 3),
            10_000,
            'every held batch to retry its lookup three more times',
          );
          expect(topology.totals.delivered).toBe(CHUNK);
          // Held records are bounded: memory stays flat however long Redis is away.
          expect(topology.gate.count).toBeLessThanOrEqual(MAX_IN_FLIGHT);
        }

        expect((featureStore as GuardedFeatureStore).breakerState).not.toBe('closed');
        await redis.restart();
        await waitFor(
          () => topology.totals.delivered >= 2 * CHUNK,
          15_000,
          'held batches to finish after the restart',
        );
        // Wait for the breaker to close before the last chunk, so its flags tell the recovery apart.
        for (let i = 0; ; i++) {
          try {
            await featureStore.getMany(['probe']);
            break;
          } catch (error) {
            if (i > 100) throw error;
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
        await producer.send('events', chunk(2));
        await waitFor(() => topology.totals.delivered === 3 * CHUNK, 15_000, 'every prediction');
      } finally {
        await topology.stop(2000);
        await featureStore.close();
        await redis.stop();
      }

      const predictions = readPredictions(transport);
      expect(predictions).toHaveLength(3 * CHUNK);
      expect(new Set(predictions.map((p) => p.event_id))).toEqual(new Set(events.map((e) => e.eventId)));
      const byId = new Map(predictions.map((p) => [p.event_id, p]));
      const flagsOf = (n: number) =>
        events.slice(n * CHUNK, (n + 1) * CHUNK).map((e) => byId.get(e.eventId)!.features_missing);
      expect(flagsOf(0).every((missing) => missing.length === 0)).toBe(true);
      expect(flagsOf(2).every((missing) => missing.length === 0)).toBe(true);
      if (failure === 'fail-open') {
        // While Redis was down every feature was defaulted and said so.
        expect(flagsOf(1).every((missing) => missing.join() === ALL.join())).toBe(true);
      } else {
        // Held until Redis came back, so scored with the real features.
        expect(flagsOf(1).every((missing) => missing.length === 0)).toBe(true);
      }
    });
  },
);

describe('a shutdown while holding for Redis', () => {
  it('stops at its drain budget and commits nothing past the held records, so a restart scores them', async () => {
    const redis = await startThrowawayRedis();
    const config = testConfig({
      features: {
        store: 'redis',
        redis: { url: redis.url, failure: 'hold', commandTimeoutMs: 100, holdRetryMs: 20 },
      },
      topics: { partitions: 1 },
    });
    const featureStore = await openFeatureStore(config, silentLogger);
    const { transport, topology } = await startEmbeddedTopology({ config: { ...config }, featureStore });
    try {
      const producer = await transport.createProducer();
      await producer.send(
        'events',
        generatedRecords(100, 3, 10).map((e) => e.record),
      );
      await waitFor(() => topology.totals.delivered === 100, 10_000, 'predictions before the kill');
      await redis.kill();
      await producer.send(
        'events',
        generatedRecords(50, 4, 10).map((e) => e.record),
      );
      await waitFor(() => topology.totals.consumed === 150, 10_000, 'the held records to be fetched');
      // Redis stays dead, so nothing could let the held batch finish: stop returning at all shows
      // it gave up on the batch instead of holding for Redis, and drained: false is the answer of
      // the 500 ms drain budget running out. How long that takes in wall time is not the behaviour.
      expect(await topology.stop(500)).toEqual({ drained: false });
      expect(transport.committedOffsets('sluice', 'events')).toEqual([100]);
    } finally {
      await featureStore.close();
      await redis.stop();
    }
  });
});
