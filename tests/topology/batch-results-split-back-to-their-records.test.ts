import { describe, expect, it } from 'vitest';
import type { Scorer } from '../../processors/infer/index.ts';
import { fraudBundle } from '../../processors/infer/index.ts';

const FRAUD_FEATURES = fraudBundle().manifest.features;

import { codecs, type TransactionEvent } from '../../schemas/index.ts';
import {
  generatedRecords,
  readPredictions,
  startEmbeddedTopology,
  waitFor,
} from '../support/embedded-harness.ts';

/**
 * A model whose score is a known function of its input row (amount / 1e7), with random delays so
 * batches overlap and finish out of order: every prediction must still carry its own record's score.
 */
const echoAmount: Scorer = {
  model: 'echo',
  version: 't',
  decisionThreshold: 0.5,
  async infer(features, rows) {
    await new Promise((r) => setTimeout(r, Math.random() * 5));
    const scores = new Float32Array(rows);
    for (let i = 0; i < rows; i++) scores[i] = features[i * FRAUD_FEATURES.length]! / 1e7;
    return scores;
  },
};

describe('micro-batch results', () => {
  it('are split back to the records they came from, across partitions and overlapping batches', async () => {
    const { transport, topology } = await startEmbeddedTopology({
      scorer: echoAmount,
      config: {
        topics: { partitions: 3 },
        batch: { maxBatchSize: 37, maxDelayMs: 1, maxConcurrentBatches: 8 },
      },
    });
    const events = generatedRecords(3000, 5);
    const amountOf = new Map(
      events.map((e) => [
        e.eventId,
        (codecs.event.type.fromBuffer(e.record.value!) as TransactionEvent).amount,
      ]),
    );
    const producer = await transport.createProducer();
    await producer.send(
      'events',
      events.map((e) => e.record),
    );
    await waitFor(() => topology.totals.delivered >= 3000, 20_000, 'all predictions');
    await topology.stop(5000);

    const predictions = readPredictions(transport);
    expect(predictions).toHaveLength(3000);
    for (const p of predictions) expect(p.score).toBeCloseTo(Math.fround(amountOf.get(p.event_id)!) / 1e7, 9);
    expect(topology.totals.batches).toBeGreaterThan(3000 / 37);
  });
});
