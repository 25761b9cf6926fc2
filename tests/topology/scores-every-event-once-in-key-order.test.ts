import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { fraudBundle } from '../../processors/infer/index.ts';

const FRAUD_STORE_FEATURES = fraudBundle().featureView.names;

import {
  closeSharedScorer,
  generatedRecords,
  readPredictions,
  startEmbeddedTopology,
  waitFor,
} from '../support/embedded-harness.ts';

afterAll(closeSharedScorer);

/**
 * The store features each user of the default seed file lacks, read from the file itself rather
 * than through the store under test. A user absent from the map has no row at all.
 */
function missingFeaturesBySeedFile(): Map<string, string[]> {
  const lines = readFileSync('models/fraud/user-features.jsonl', 'utf8').trim().split('\n');
  return new Map(
    lines.map((line) => {
      const row = JSON.parse(line) as Record<string, unknown>;
      return [String(row.key), FRAUD_STORE_FEATURES.filter((name) => row[name] === undefined)];
    }),
  );
}

describe('the embedded topology', () => {
  it('turns 10,000 events on 4 partitions into exactly 10,000 predictions, in per-key order', async () => {
    const { transport, topology } = await startEmbeddedTopology({
      config: { topics: { partitions: 4 }, batch: { maxBatchSize: 64, maxDelayMs: 2 } },
    });
    const events = generatedRecords(10_000);
    const producer = await transport.createProducer();
    for (let i = 0; i < events.length; i += 500)
      await producer.send(
        'events',
        events.slice(i, i + 500).map((e) => e.record),
      );

    await waitFor(() => topology.totals.delivered >= 10_000, 30_000, '10,000 predictions');
    await topology.stop(5000);

    const predictions = readPredictions(transport);
    expect(predictions).toHaveLength(10_000);
    expect(new Set(predictions.map((p) => p.event_id)).size).toBe(10_000);
    expect(new Set(predictions.map((p) => p.event_id))).toEqual(new Set(events.map((e) => e.eventId)));

    // Per-key order: each key's predictions appear in the order its events were produced.
    const produceOrder = new Map(events.map((e, i) => [e.eventId, i]));
    const lastIndexOfKey = new Map<string, number>();
    for (const prediction of predictions) {
      const index = produceOrder.get(prediction.event_id)!;
      expect(index).toBeGreaterThan(lastIndexOfKey.get(prediction.key) ?? -1);
      lastIndexOfKey.set(prediction.key, index);
    }
    // A binary classifier's outputs: a probability, its label at the 0.5 threshold, nothing else.
    for (const p of predictions) {
      expect(p.score).toBeGreaterThanOrEqual(0);
      expect(p.score).toBeLessThanOrEqual(1);
      expect(p.label).toBe(p.score >= 0.5 ? 1 : 0);
      expect(p.outputs).toEqual({});
      expect(p.model).toBe('fraud');
      expect(p.latency_ms).toBeGreaterThanOrEqual(0);
    }
    // Users with a full row in the seed file are never flagged; unknown users are flagged in full;
    // a row without some field flags exactly that field.
    const expectedMissing = missingFeaturesBySeedFile();
    const mismatches = new Map<string, { flagged: string[]; expected: string[] }>();
    for (const p of predictions) {
      const expected = expectedMissing.get(p.key) ?? [...FRAUD_STORE_FEATURES];
      if (p.features_missing.join() !== expected.join())
        mismatches.set(p.key, { flagged: p.features_missing, expected });
    }
    expect(Object.fromEntries(mismatches)).toEqual({});
    // The 500 generated users include both kinds of gap, so both branches were exercised.
    const missingCounts = new Set(predictions.map((p) => p.features_missing.length));
    expect([...missingCounts].sort()).toEqual([0, 1, FRAUD_STORE_FEATURES.length]);
    expect(predictions.filter((p) => p.features_missing.length === 0).length).toBeGreaterThan(9000);
    // Every partition was committed through its end.
    expect(transport.committedOffsets('sluice', 'events')).toEqual(transport.endOffsets('events'));
    expect(topology.gate.count).toBe(0);
  });
});
