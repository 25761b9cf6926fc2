import { afterAll, describe, expect, it } from 'vitest';
import {
  type FeatureRow,
  type FeatureStore,
  GuardedFeatureStore,
  MemoryFeatureStore,
} from '../../processors/enrich/index.ts';
import { EmbeddedTransport } from '../../streams/embedded/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  readPredictions,
  startEmbeddedTopology,
  testConfig,
  waitFor,
} from '../support/embedded-harness.ts';

afterAll(closeSharedScorer);

/** A store that fails while `down`, as Redis does when it is unreachable. */
class SwitchableStore implements FeatureStore {
  readonly kind = 'switchable';
  down = false;
  readonly #inner: FeatureStore;

  constructor(inner: FeatureStore) {
    this.#inner = inner;
  }

  getMany(keys: readonly string[]): Promise<Array<FeatureRow | undefined>> {
    if (this.down) return Promise.reject(new Error('connection refused'));
    return this.#inner.getMany(keys);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

describe('/readyz readiness', () => {
  it('is false while another member still holds the partitions, and true once this instance holds its assignment', async () => {
    // A member of the same group that took every partition and then went silent, as a process
    // that was killed: its session is long, so only its leaving frees the partitions.
    const transport = new EmbeddedTransport({ sessionTimeoutMs: 120_000 });
    await transport.ensureTopics([{ topic: 'events', partitions: 4 }]);
    const dead = await transport.createConsumer({
      groupId: testConfig().consumer.groupId,
      rebalance: { onAssigned: () => {}, onRevoked: () => {} },
    });
    await dead.subscribe(['events']);
    await dead.poll(1, 0);
    expect(dead.assignment()).toHaveLength(4);

    const { topology } = await startEmbeddedTopology({ transport });
    const producer = await transport.createProducer();
    await producer.send(
      'events',
      generatedRecords(20).map((r) => r.record),
    );
    // The topology polls (and so syncs with its group) all the while; it must never call itself
    // ready while it holds none of its partitions.
    await waitFor(() => topology.readiness().brokerReachable, 5000, 'the topology polling');
    for (let i = 0; i < 20; i++) {
      expect(topology.isReady()).toBe(false);
      expect(topology.readiness().assigned).toBe(false);
      await new Promise((r) => setImmediate(r));
    }
    expect(topology.totals.consumed).toBe(0);

    await dead.close();
    await waitFor(() => topology.isReady(), 10_000, 'readiness once the partitions are free');
    await waitFor(() => topology.totals.delivered === 20, 10_000, 'the events scored');
    await topology.stop(5000);
  });

  it('under failure: hold, is false while the feature store is unreachable and true again once it answers', async () => {
    const config = testConfig({
      features: { redis: { failure: 'hold', holdRetryMs: 20, breaker: { failureThreshold: 1, openMs: 50 } } },
    });
    const switchable = new SwitchableStore(await MemoryFeatureStore.fromJsonl(config.features.seedFile));
    const store = new GuardedFeatureStore(switchable, {
      timeoutMs: 1000,
      breaker: config.features.redis.breaker,
    });
    const { topology, transport } = await startEmbeddedTopology({
      config: {
        features: {
          redis: { failure: 'hold', holdRetryMs: 20, breaker: { failureThreshold: 1, openMs: 50 } },
        },
      },
      featureStore: store,
    });
    await waitFor(() => topology.isReady(), 10_000, 'readiness');

    switchable.down = true;
    const producer = await transport.createProducer();
    const events = generatedRecords(100).map((r) => r.record);
    await producer.send('events', events);
    await waitFor(() => !topology.isReady(), 10_000, 'not ready while the store is down');
    expect(topology.readiness()).toMatchObject({
      assigned: true,
      brokerReachable: true,
      featureStoreServes: false,
    });
    expect(topology.totals.delivered).toBe(0);

    switchable.down = false;
    await waitFor(() => topology.isReady(), 10_000, 'ready again once the store answers');
    await waitFor(() => topology.totals.delivered === events.length, 10_000, 'the held events scored');
    expect(readPredictions(transport)).toHaveLength(events.length);
    await topology.stop(5000);
  });
});
