import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { codecs, type Prediction, type TransactionEvent } from '../../schemas/index.ts';
import type { BatchSink } from '../../sinks/index.ts';
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

/**
 * `sink` as the topology sees it, counting the predictions it stored and naming each failed write
 * by its batch's first event id.
 */
function countingWrites(sink: BatchSink<Prediction>) {
  const counts = { stored: 0, failedWrites: [] as string[] };
  const counted: BatchSink<Prediction> = {
    name: sink.name,
    write: async (items) => {
      try {
        await sink.write(items);
      } catch (error) {
        counts.failedWrites.push(items[0]!.event_id);
        throw error;
      }
      counts.stored += items.length;
    },
  };
  return { counted, counts };
}

const sum = (offsets: Array<number | null>) => offsets.reduce<number>((total, o) => total + (o ?? 0), 0);

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
    const { counted, counts } = countingWrites(store);
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
      predictionStore: counted,
    });
    const group = pipeline.consumer.groupId;
    const producer = await transport.createProducer();
    const sent = generatedRecords(8000, 23, 300);

    await producer.send(
      'events',
      sent.map((e) => e.record),
    );
    // Killed while batches are being written: some pipelines are cut off half-confirmed.
    await waitFor(() => topology.totals.delivered >= 2000, 20_000, 'the first 2000 predictions');
    await redis.kill();
    // While Redis is down no batch is acked: the in-flight bound fills, the consumer pauses, and
    // the committed offsets stop where the stored predictions end.
    await waitFor(() => topology.paused, 10_000, 'the consumer to pause on the in-flight bound');
    // Store writes go one batch at a time, so after a failed write nothing more can be stored:
    // what can ever be acked is fixed at `counts.stored`. Instead of sleeping for the acks and
    // commits to settle, wait until both have reached it (commits lag acks by commitIntervalMs).
    await waitFor(() => counts.failedWrites.length > 0, 10_000, 'a write to fail against the dead Redis');
    const storedWhileDown = counts.stored;
    await waitFor(
      () =>
        topology.totals.delivered >= storedWhileDown &&
        sum(transport.committedOffsets(group, 'events')) >= storedWhileDown,
      10_000,
      'the acks and commits to reach what Redis stored',
    );
    const committedWhileDown = transport.committedOffsets(group, 'events');
    const ackedWhileDown = topology.totals.delivered;
    // Acks go in order, so the committed offsets add up to exactly the acked predictions, which
    // are exactly the stored ones.
    expect(ackedWhileDown).toBe(storedWhileDown);
    expect(sum(committedWhileDown)).toBe(ackedWhileDown);
    // "The commits stay put while Redis is down" is shown by the held write being retried, not by
    // a sleep: four more failed writes, all of the same batch, mean the engine neither gave up on
    // it nor moved past it (a batch acked without being stored would let the next one be written).
    const heldBatch = counts.failedWrites.at(-1)!;
    const failedAtSnapshot = counts.failedWrites.length;
    await waitFor(
      () => counts.failedWrites.length >= failedAtSnapshot + 4,
      30_000,
      'the held write to fail four more times',
    );
    expect(new Set(counts.failedWrites.slice(failedAtSnapshot - 1))).toEqual(new Set([heldBatch]));
    expect(counts.stored).toBe(storedWhileDown);
    expect(topology.totals.delivered).toBe(ackedWhileDown);
    expect(transport.committedOffsets(group, 'events')).toEqual(committedWhileDown);
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
    await waitFor(() => topology.totals.delivered === 8000, 30_000, 'every prediction after the restart');
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
