import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { codecs, type TransactionEvent } from '../../schemas/index.ts';
import { RedisPredictionSink, redisSinkConfigSchema } from '../../sinks/redis/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  readPredictions,
  startEmbeddedTopology,
  waitFor,
} from '../support/embedded-harness.ts';
import { lastPredictionPerKey, readStoredPredictions } from '../support/redis-predictions.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/redis-server.ts';

const servers: ThrowawayRedis[] = [];
const clients: Redis[] = [];

afterAll(async () => {
  for (const client of clients) client.disconnect();
  for (const server of servers) await server.stop();
  await closeSharedScorer();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the Redis sink while Redis is killed mid-stream', () => {
  it('commits nothing past what Redis stored, does not crash, and stores every prediction after the restart', async () => {
    const redis = await startThrowawayRedis({ appendOnly: true });
    servers.push(redis);
    const keyTemplate = 'prediction:{key}';
    const config = redisSinkConfigSchema.parse({
      enabled: true,
      url: redis.url,
      keyTemplate,
      timeoutMs: 1000,
    });
    const store = await RedisPredictionSink.connect(config, silentLogger);
    const registry = new Registry();
    const {
      transport,
      topology,
      config: pipeline,
    } = await startEmbeddedTopology({
      registry,
      config: {
        consumer: { maxInFlight: 1500, maxPollRecords: 200, commitIntervalMs: 50 },
        batch: { maxBatchSize: 100, maxDelayMs: 2 },
        sinks: { redis: config },
      },
      predictionStore: store,
    });
    const group = pipeline.consumer.groupId;
    const producer = await transport.createProducer();
    const sent = generatedRecords(8000, 23, 300);

    await producer.send(
      'events',
      sent.map((e) => e.record),
    );
    // Killed while batches are being written: some pipelines are cut off half-confirmed.
    await waitFor(() => topology.totals.predictions >= 2000, 20_000, 'the first 2000 predictions');
    await redis.kill();
    // While Redis is down no batch is acked: the in-flight bound fills, the consumer pauses, and
    // the committed offsets stop where the stored predictions end.
    await waitFor(() => topology.paused, 10_000, 'the consumer to pause on the in-flight bound');
    await sleep(500);
    const committedWhileDown = transport.committedOffsets(group, 'events');
    const ackedWhileDown = topology.totals.predictions;
    await sleep(1500);
    expect(transport.committedOffsets(group, 'events')).toEqual(committedWhileDown);
    // Acks go in order, so the committed offsets add up to exactly the acked predictions.
    expect(committedWhileDown.reduce<number>((sum, offset) => sum + (offset ?? 0), 0)).toBe(ackedWhileDown);
    expect(topology.totals.predictions).toBe(ackedWhileDown);
    expect(ackedWhileDown).toBeLessThan(8000);
    expect(topology.gate.count).toBeLessThanOrEqual(1500);
    expect(readPredictions(transport).length).toBeGreaterThan(ackedWhileDown);

    // What the dead server had confirmed (its AOF, read by a second server on a copy) covers every
    // committed event: each one's key holds that event's prediction or a newer one of the same key.
    const copy = await redis.inspectDataCopy();
    servers.push(copy);
    const inspector = new Redis(copy.url);
    clients.push(inspector);
    let committedEvents = 0;
    for (const [partition, committed] of committedWhileDown.entries()) {
      const below = transport.readPartition('events', partition, 0, committed ?? 0);
      const keys = [...new Set(below.map((r) => r.key!.toString()))];
      const stored = await readStoredPredictions(inspector, keyTemplate, keys);
      for (const record of below) {
        const event = codecs.event.type.fromBuffer(record.value!) as TransactionEvent;
        const hash = stored.get(event.key)?.fields;
        expect(
          hash,
          `a committed event of ${event.key} (partition ${partition}, offset ${record.offset})`,
        ).toBeDefined();
        expect(Number(hash!.source_partition)).toBe(partition);
        expect(Number(hash!.source_offset)).toBeGreaterThanOrEqual(record.offset);
        committedEvents++;
      }
    }
    expect(committedEvents).toBe(ackedWhileDown);
    expect(topology.isReady()).toBe(true);
    const metrics = await registry.getMetricsAsJSON();
    const retries = metrics.find((m) => m.name === 'sluice_sink_retries_total')?.values ?? [];
    expect(retries.find((v) => v.labels.sink === 'redis')?.value).toBeGreaterThan(0);

    await redis.restart();
    await waitFor(() => topology.totals.predictions === 8000, 30_000, 'every prediction after the restart');
    await topology.stop(5000);
    await store.close();
    expect(transport.committedOffsets(group, 'events')).toEqual(transport.endOffsets('events'));

    const predictions = readPredictions(transport);
    const predicted = new Set(predictions.map((p) => p.event_id));
    expect(sent.filter((e) => !predicted.has(e.eventId))).toEqual([]);
    const latest = lastPredictionPerKey(predictions);
    const reader = new Redis(redis.url);
    clients.push(reader);
    const stored = await readStoredPredictions(reader, keyTemplate, [...latest.keys()]);
    expect(stored.size).toBe(latest.size);
    for (const [key, prediction] of latest) {
      expect(stored.get(key)!.fields.event_id, `the latest prediction of ${key}`).toBe(prediction.event_id);
      expect(stored.get(key)!.pttlMs).toBeGreaterThan(0);
    }
  }, 90_000);
});
