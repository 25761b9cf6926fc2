import { afterAll, describe, expect, it } from 'vitest';
import type { Prediction } from '../../schemas/index.ts';
import type { BatchSink } from '../../sinks/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  startEmbeddedTopology,
  waitFor,
} from '../support/embedded-harness.ts';

afterAll(closeSharedScorer);

/** A prediction store with a bug in it: every write throws the same programmer error. */
class BuggyStore implements BatchSink<Prediction> {
  readonly name = 'buggy';
  writes = 0;
  readonly #error: Error;

  constructor(error: Error) {
    this.#error = error;
  }

  async write(): Promise<void> {
    this.writes++;
    throw this.#error;
  }
}

describe('a programmer error inside a sink write', () => {
  for (const error of [
    new RangeError('offset out of range'),
    new ReferenceError('x is not defined'),
    new SyntaxError('bad'),
  ]) {
    it(`(${error.name}) takes the fatal path at once instead of being retried with the partitions paused`, async () => {
      const store = new BuggyStore(error);
      const { config, transport, topology, fatalErrors } = await startEmbeddedTopology({
        config: { topics: { partitions: 2 } },
        predictionStore: store,
      });
      const producer = await transport.createProducer();
      await producer.send(
        'events',
        generatedRecords(50).map((r) => r.record),
      );
      await waitFor(() => fatalErrors.errors.length > 0, 10_000, 'the fatal path');
      await topology.stop(1000);

      expect(fatalErrors.take()[0]).toBe(error);
      // One write per batch handed over, none of them retried.
      expect(store.writes).toBe(topology.totals.batches);
      // Nothing was acked behind the failing store, so nothing is committed.
      expect(transport.committedOffsets(config.consumer.groupId, 'events').every((o) => (o ?? 0) === 0)).toBe(
        true,
      );
    });
  }
});
