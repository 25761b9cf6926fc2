import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedTransport } from '../../streams/embedded/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  readPredictions,
  startEmbeddedTopology,
  waitFor,
} from '../support/embedded-harness.ts';

afterAll(closeSharedScorer);

describe('graceful stop', () => {
  it('drains in-flight batches and commits, so the next instance of the group starts where it left off', async () => {
    const transport = new EmbeddedTransport();
    const first = await startEmbeddedTopology({
      transport,
      config: { batch: { maxDelayMs: 50, maxBatchSize: 512 } },
    });
    const producer = await transport.createProducer();
    await producer.send(
      'events',
      generatedRecords(3000, 1).map((e) => e.record),
    );
    await waitFor(() => first.topology.totals.consumed >= 3000, 10_000, 'the first batch to be consumed');
    // Stop while batches may still be open (maxDelayMs 50): they must be flushed and delivered.
    const { drained } = await first.topology.stop(5000);
    expect(drained).toBe(true);
    expect(first.topology.totals.delivered).toBe(3000);

    await producer.send(
      'events',
      generatedRecords(1000, 2).map((e) => e.record),
    );
    const second = await startEmbeddedTopology({ transport });
    await waitFor(() => second.topology.totals.delivered >= 1000, 10_000, 'the second run');
    // Committed through the end of the log means every record was processed: had the second run
    // started from the beginning, it would have consumed all 4000 by then.
    const end = transport.endOffsets('events');
    await waitFor(
      () => transport.committedOffsets('sluice', 'events').every((offset, p) => offset === end[p]),
      10_000,
      'the second run to commit through the end of the log',
    );
    await second.topology.stop(5000);

    expect(second.topology.totals.consumed).toBe(1000);
    const predictions = readPredictions(transport);
    expect(predictions).toHaveLength(4000);
    expect(new Set(predictions.map((p) => p.event_id)).size).toBe(4000);
  });
});
