import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { predictionFields, RedisPredictionSink, redisSinkConfigSchema } from '../../sinks/redis/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  readPredictions,
  startEmbeddedTopology,
  waitFor,
} from '../support/embedded-harness.ts';
import { deleteKeys, lastPredictionPerKey, readStoredPredictions } from '../support/redis-predictions.ts';
import { sharedRedisUrl } from '../support/redis-server.ts';

const url = sharedRedisUrl();
const client = new Redis(url);
const prefix = `test:${randomUUID()}`;

afterAll(async () => {
  await deleteKeys(client, `${prefix}:*`);
  client.disconnect();
  await closeSharedScorer();
});

/** Scores `events` generated events through the real topology with the Redis sink configured by `sink`. */
async function scoreThroughRedisSink(events: number, sink: Record<string, unknown>) {
  const config = redisSinkConfigSchema.parse({ enabled: true, url, ...sink });
  const store = await RedisPredictionSink.connect(config, silentLogger);
  const { transport, topology } = await startEmbeddedTopology({
    config: { batch: { maxBatchSize: 128, maxDelayMs: 2 }, sinks: { redis: config } },
    predictionStore: store,
  });
  const producer = await transport.createProducer();
  const sent = generatedRecords(events, 11, 400);
  await producer.send(
    'events',
    sent.map((e) => e.record),
  );
  await waitFor(() => topology.totals.delivered === events, 30_000, `${events} predictions`);
  await topology.stop(5000);
  await store.close();
  return { config, predictions: readPredictions(transport), sent };
}

describe('the Redis prediction sink', () => {
  it('holds the latest prediction of every key after a run, each with its TTL set', async () => {
    const keyTemplate = `${prefix}:prediction:{key}`;
    const ttlSeconds = 600;
    const { predictions, sent } = await scoreThroughRedisSink(5000, { keyTemplate, ttlSeconds });
    expect(predictions).toHaveLength(5000);

    const latest = lastPredictionPerKey(predictions);
    expect(latest.size).toBe(new Set(sent.map((e) => e.key)).size);
    const stored = await readStoredPredictions(client, keyTemplate, [...latest.keys()]);
    expect(stored.size).toBe(latest.size);
    for (const [key, prediction] of latest) {
      const { fields, pttlMs } = stored.get(key)!;
      const expected = predictionFields(prediction);
      expect(fields, `the hash of ${key}`).toEqual(
        Object.fromEntries(expected.flatMap((_, i) => (i % 2 === 0 ? [[expected[i], expected[i + 1]]] : []))),
      );
      expect(pttlMs).toBeGreaterThan(0);
      expect(pttlMs).toBeLessThanOrEqual(ttlSeconds * 1000);
    }
  });

  it('appends every prediction to the stream and keeps it near maxLen (MAXLEN ~)', async () => {
    const stream = `${prefix}:stream`;
    const maxLen = 1000;
    const { predictions } = await scoreThroughRedisSink(4000, {
      keyTemplate: `${prefix}:stream-run:{key}`,
      stream: { enabled: true, name: stream, maxLen },
    });
    const length = await client.xlen(stream);
    // Trimming with ~ drops whole stream nodes (100 entries by default), never below maxLen.
    expect(length).toBeGreaterThanOrEqual(maxLen);
    expect(length).toBeLessThanOrEqual(maxLen + 200);
    const [[, newest]] = (await client.xrevrange(stream, '+', '-', 'COUNT', 1)) as [[string, string[]]];
    const eventId = newest[newest.indexOf('event_id') + 1];
    expect(predictions.map((p) => p.event_id)).toContain(eventId);
  });
});
