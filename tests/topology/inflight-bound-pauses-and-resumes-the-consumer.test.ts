import { afterAll, describe, expect, it } from 'vitest';
import type { Scorer } from '../../processors/infer/index.ts';
import { EmbeddedTransport } from '../../streams/embedded/index.ts';
import type { ConsumerOptions } from '../../streams/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  readPredictions,
  sharedScorer,
  startEmbeddedTopology,
  waitFor,
} from '../support/embedded-harness.ts';

afterAll(closeSharedScorer);

/** The real model behind a gate the test opens, to hold records in flight on purpose. */
async function gatedScorer(): Promise<Scorer & { open(): void }> {
  const model = await sharedScorer();
  let release!: () => void;
  const opened = new Promise<void>((resolve) => {
    release = resolve;
  });
  return {
    model: model.model,
    version: model.version,
    decisionThreshold: model.decisionThreshold,
    infer: async (features, rows) => {
      await opened;
      return model.infer(features, rows);
    },
    open: release,
  };
}

/** Counts the polls of the consumers it creates: each one is a chance to (wrongly) fetch more. */
class PollCountingTransport extends EmbeddedTransport {
  polls = 0;

  override async createConsumer(options: ConsumerOptions) {
    const consumer = await super.createConsumer(options);
    const poll = consumer.poll.bind(consumer);
    consumer.poll = (maxRecords, maxWaitMs) => {
      this.polls++;
      return poll(maxRecords, maxWaitMs);
    };
    return consumer;
  }
}

describe('the in-flight bound', () => {
  it('pauses the partitions at maxInFlight, holds memory there, and resumes as records drain', async () => {
    const scorer = await gatedScorer();
    const maxInFlight = 1000;
    const transport = new PollCountingTransport();
    const { topology } = await startEmbeddedTopology({
      transport,
      scorer,
      config: {
        consumer: { maxInFlight, maxPollRecords: 200, resumeRatio: 0.5 },
        batch: { maxBatchSize: 100, maxDelayMs: 1 },
      },
    });
    const producer = await transport.createProducer();
    await producer.send(
      'events',
      generatedRecords(5000).map((e) => e.record),
    );

    await waitFor(() => topology.paused, 5000, 'the consumer to pause');
    // Paused, the loop still polls (to keep its membership): three polls are three chances to
    // fetch more, and none may.
    const pollsAtPause = transport.polls;
    await waitFor(() => transport.polls >= pollsAtPause + 3, 5000, 'three polls while paused');
    expect(topology.gate.count).toBe(maxInFlight);
    expect(topology.totals.consumed).toBe(maxInFlight);

    scorer.open();
    await waitFor(() => topology.totals.delivered === 5000, 20_000, 'all predictions');
    await waitFor(() => !topology.paused, 1000, 'the consumer to resume');
    await topology.stop(5000);
    expect(readPredictions(transport)).toHaveLength(5000);
  });
});
