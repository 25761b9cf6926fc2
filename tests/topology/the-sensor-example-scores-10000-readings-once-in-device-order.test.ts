import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfiguredModel } from '../../app/configured-model.ts';
import { silentLogger } from '../../core/logger.ts';
import { InferencePool } from '../../processors/infer/index.ts';
import { readPredictions, startEmbeddedTopology, testConfig, waitFor } from '../support/embedded-harness.ts';

const sensorConfig = parseYaml(readFileSync('models/sensor/sluice.yaml', 'utf8')) as Record<string, unknown>;
let pool: InferencePool | undefined;
afterAll(() => pool?.close());

/** 10,000 readings: the example file's, over and over, each with an id of its own. */
function readings(count: number): Array<Record<string, unknown>> {
  const lines = readFileSync('models/sensor/events.jsonl', 'utf8').trim().split('\n');
  return Array.from({ length: count }, (_, i) => {
    const reading = JSON.parse(lines[i % lines.length]!) as Record<string, unknown>;
    return { ...reading, reading_id: `t-${i}`, event_time: Date.now() - 60_000 };
  });
}

describe('the sensor example on the embedded transport, by its config alone', () => {
  it("turns 10,000 readings into exactly 10,000 predictions, in per-device order, with a regressor's outputs", async () => {
    // The test produces the readings itself; the replay of the file is the CLI's (npm start).
    const rest = { ...sensorConfig, generator: { enabled: false } };
    const config = testConfig({
      ...rest,
      topics: { partitions: 4 },
      batch: { maxBatchSize: 64, maxDelayMs: 2 },
    });
    const { contract, bundle, features } = loadConfiguredModel(config);
    pool = await InferencePool.create({
      manifestPath: config.model.manifest,
      manifest: bundle.manifest,
      logger: silentLogger,
    });
    const { transport, topology } = await startEmbeddedTopology({
      config: { ...rest, topics: { partitions: 4 }, batch: { maxBatchSize: 64, maxDelayMs: 2 }, features },
      scorer: pool,
      model: { contract, featureView: bundle.featureView, vector: bundle.row },
    });
    const events = readings(10_000);
    const producer = await transport.createProducer();
    for (let i = 0; i < events.length; i += 500)
      await producer.send(
        'events',
        events
          .slice(i, i + 500)
          .map((e) => ({ key: e.device_id as string, value: contract.codec.encode(e) })),
      );

    await waitFor(() => topology.totals.delivered >= 10_000, 30_000, '10,000 predictions');
    await topology.stop(5000);

    const predictions = readPredictions(transport);
    expect(predictions).toHaveLength(10_000);
    expect(topology.totals.deadLetters).toBe(0);
    expect(new Set(predictions.map((p) => p.event_id))).toEqual(new Set(events.map((e) => e.reading_id)));
    const order = new Map(events.map((e, i) => [e.reading_id as string, i]));
    const last = new Map<string, number>();
    for (const p of predictions) {
      const index = order.get(p.event_id)!;
      expect(index).toBeGreaterThan(last.get(p.key) ?? -1);
      last.set(p.key, index);
    }
    expect(last.size).toBeGreaterThan(100); // every device of the example
    // A regressor: the score is the model's value (an anomaly score around 0), with no label or other outputs.
    for (const p of predictions) {
      expect(p.model).toBe('sensor-anomaly');
      expect(p.label).toBeNull();
      expect(p.outputs).toEqual({});
      expect(Number.isFinite(p.score)).toBe(true);
    }
    const scores = predictions.map((p) => p.score);
    expect(Math.min(...scores)).toBeLessThan(0);
    expect(Math.max(...scores)).toBeGreaterThan(0.1); // the example's anomalies stand out
    // Devices the seed file lacks are scored with the bundle's defaults and flagged.
    const unseen = predictions.filter((p) => p.features_missing.length === 5);
    expect(unseen.length).toBeGreaterThan(0);
    expect(predictions.filter((p) => p.features_missing.length === 0).length).toBeGreaterThan(9000);
    expect(transport.committedOffsets('sluice', 'events')).toEqual(transport.endOffsets('events'));
  });
});
