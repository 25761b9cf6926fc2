import { afterAll, describe, expect, it } from 'vitest';
import { scoringTopology } from '../../app/topologies/scoring.ts';
import { silentLogger } from '../../core/logger.ts';
import { MemoryFeatureStore } from '../../processors/enrich/index.ts';
import type { ScoringItem } from '../../processors/scoring-item.ts';
import { EmbeddedTransport } from '../../streams/embedded/index.ts';
import { type Tap, TopologyRuntime } from '../../streams/pipeline/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  sharedScorer,
  testConfig,
  waitFor,
} from '../support/embedded-harness.ts';
import { fatalErrors } from '../support/fatal-errors.ts';

afterAll(closeSharedScorer);

/** A tap that notes every item it sees, in the order it sees them. */
function countingTap(seen: string[]): Tap<ScoringItem> {
  return {
    name: 'count',
    observe(items) {
      for (const item of items) seen.push(item.eventId);
    },
  };
}

describe('the scoring declaration', () => {
  it('takes one more tap by one line, which sees every event once, in per-key order', async () => {
    const config = testConfig({ topics: { partitions: 4 }, batch: { maxBatchSize: 50, maxDelayMs: 1 } });
    const transport = new EmbeddedTransport();
    const seen: string[] = [];
    const declaration = scoringTopology({
      config,
      featureStore: await MemoryFeatureStore.fromJsonl(config.features.seedFile),
      scorer: await sharedScorer(),
    });
    const topology = new TopologyRuntime(
      { ...declaration, taps: [...(declaration.taps ?? []), countingTap(seen)] },
      { transport, logger: silentLogger, onFatal: fatalErrors.onFatal },
    );
    await topology.start();
    const events = generatedRecords(3000, 21);
    const producer = await transport.createProducer();
    for (let i = 0; i < events.length; i += 300)
      await producer.send(
        'events',
        events.slice(i, i + 300).map((e) => e.record),
      );
    await waitFor(() => topology.totals.delivered === events.length, 20_000, 'every event delivered');
    await topology.stop(5000);

    expect(seen).toHaveLength(events.length);
    expect(new Set(seen)).toEqual(new Set(events.map((e) => e.eventId)));
    const order = new Map(events.map((e, i) => [e.eventId, i]));
    const keyOf = new Map(events.map((e) => [e.eventId, e.key]));
    const last = new Map<string, number>();
    for (const id of seen) {
      const key = keyOf.get(id)!;
      expect(order.get(id)!, `${key} out of order at ${id}`).toBeGreaterThan(last.get(key) ?? -1);
      last.set(key, order.get(id)!);
    }
  });
});
