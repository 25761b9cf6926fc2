import { afterAll, describe, expect, it } from 'vitest';
import type { Scorer } from '../../processors/infer/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  readPredictions,
  startEmbeddedTopology,
  waitFor,
} from '../support/embedded-harness.ts';

afterAll(closeSharedScorer);

/**
 * A model swapped after every batch (test-only): version n scores every row n / 1000, so a
 * prediction's score says which version scored it. Batches overlap, and each call is slowed by a
 * random delay, so deliveries lag scoring and later swaps happen while earlier batches wait.
 */
function swappingScorer(): Scorer {
  let version = 1;
  return {
    model: 'swapping',
    get version() {
      return String(version);
    },
    decisionThreshold: 0.5,
    async infer(_features, rows) {
      const scoredBy = version++;
      await new Promise((r) => setTimeout(r, Math.random() * 5));
      return new Float32Array(rows).fill(scoredBy / 1000);
    },
  };
}

describe('a model swapped between batches', () => {
  it('leaves each prediction with the version that scored it, not the one serving at delivery', async () => {
    const { transport, topology } = await startEmbeddedTopology({
      scorer: swappingScorer(),
      config: {
        topics: { partitions: 3 },
        batch: { maxBatchSize: 20, maxDelayMs: 1, maxConcurrentBatches: 4 },
      },
    });
    const events = generatedRecords(1000, 41);
    const producer = await transport.createProducer();
    await producer.send(
      'events',
      events.map((e) => e.record),
    );
    await waitFor(() => topology.totals.delivered === events.length, 20_000, 'every event scored');
    await topology.stop(5000);

    const predictions = readPredictions(transport);
    expect(predictions).toHaveLength(events.length);
    const versions = new Set(predictions.map((p) => p.model_version));
    expect(versions.size).toBeGreaterThan(10);
    for (const p of predictions) expect(p.model_version, p.event_id).toBe(String(Math.round(p.score * 1000)));
  });
});
