import { afterAll, describe, expect, it } from 'vitest';
import { SluiceError } from '../../core/errors.ts';
import type { Scorer } from '../../processors/infer/index.ts';
import type { Prediction } from '../../schemas/index.ts';
import type { BatchSink } from '../../sinks/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  readDeadLetters,
  readPredictions,
  startEmbeddedTopology,
  waitFor,
} from '../support/embedded-harness.ts';

afterAll(closeSharedScorer);

const sum = (offsets: Array<number | null>) => offsets.map((o) => o ?? 0).reduce((a, b) => a + b, 0);

describe('the engine under failure', () => {
  it('dead-letters a batch whose inference still fails after three retries (SLUICE_INFER_FAILED), and commits past it', async () => {
    let calls = 0;
    const broken: Scorer = {
      model: 'broken',
      version: '1',
      decisionThreshold: 0.5,
      async infer() {
        calls++;
        throw new SluiceError('SLUICE_WORKER_CRASHED', 'the worker died', { retriable: true });
      },
    };
    const { transport, topology } = await startEmbeddedTopology({
      scorer: broken,
      config: { topics: { partitions: 2 }, batch: { maxBatchSize: 100, maxDelayMs: 1 } },
    });
    const events = generatedRecords(200, 43);
    const producer = await transport.createProducer();
    await producer.send(
      'events',
      events.map((e) => e.record),
    );
    await waitFor(() => topology.totals.deadLetters === events.length, 30_000, 'every event dead-lettered');
    await topology.stop(5000);

    const letters = readDeadLetters(transport);
    expect(letters).toHaveLength(events.length);
    for (const { letter } of letters) {
      expect(letter.stage).toBe('infer');
      expect(letter.error_class).toBe('SLUICE_INFER_FAILED');
      expect(letter.message).toContain('the worker died');
    }
    expect(calls).toBe(topology.totals.batches * 4);
    expect(sum(transport.committedOffsets('sluice', 'events'))).toBe(events.length);
  });

  it('holds every ack while a durable sink fails, commits nothing past it, and delivers all once it heals', async () => {
    let healthy = false;
    let failures = 0;
    const stored: Prediction[] = [];
    const store: BatchSink<Prediction> = {
      name: 'flaky',
      async write(items) {
        if (!healthy) {
          failures++;
          throw new SluiceError('SLUICE_SINK_UNAVAILABLE', 'store down', { retriable: true });
        }
        stored.push(...items);
      },
    };
    const { transport, topology } = await startEmbeddedTopology({
      predictionStore: store,
      config: { topics: { partitions: 2 }, batch: { maxBatchSize: 50, maxDelayMs: 1 } },
    });
    const events = generatedRecords(500, 45);
    const producer = await transport.createProducer();
    await producer.send(
      'events',
      events.map((e) => e.record),
    );
    await waitFor(() => failures >= 3, 10_000, 'the store refusing writes, retried');
    // Written to the predictions topic, but not to the store: not one input is acked or committed.
    expect(topology.totals.delivered).toBe(0);
    expect(sum(transport.committedOffsets('sluice', 'events'))).toBe(0);
    await topology.commit();
    expect(sum(transport.committedOffsets('sluice', 'events'))).toBe(0);

    healthy = true;
    await waitFor(
      () => topology.totals.delivered === events.length,
      20_000,
      'every event delivered after healing',
    );
    await topology.stop(5000);
    expect(new Set(stored.map((p) => p.event_id))).toEqual(new Set(events.map((e) => e.eventId)));
    expect(sum(transport.committedOffsets('sluice', 'events'))).toBe(events.length);
    expect(new Set(readPredictions(transport).map((p) => p.event_id)).size).toBe(events.length);
  });

  it('writes an ordered store one batch at a time, in batch order, each after the one before was confirmed', async () => {
    const writes: Array<{ first: string; started: number; ended: number }> = [];
    let clock = 0;
    const store: BatchSink<Prediction> = {
      name: 'ordered',
      async write(items) {
        const entry = { first: items[0]!.event_id, started: ++clock, ended: 0 };
        writes.push(entry);
        // The first batches are the slowest: later ones would overtake them if writes overlapped.
        await new Promise((r) => setTimeout(r, Math.max(0, 20 - writes.length * 2)));
        entry.ended = ++clock;
      },
    };
    const { transport, topology } = await startEmbeddedTopology({
      predictionStore: store,
      config: {
        topics: { partitions: 1 },
        batch: { maxBatchSize: 25, maxDelayMs: 1, maxConcurrentBatches: 4 },
      },
    });
    const events = generatedRecords(500, 47);
    const producer = await transport.createProducer();
    await producer.send(
      'events',
      events.map((e) => e.record),
    );
    await waitFor(() => topology.totals.delivered === events.length, 20_000, 'every event delivered');
    await topology.stop(5000);

    expect(writes.length).toBe(topology.totals.batches);
    for (let i = 1; i < writes.length; i++)
      expect(writes[i]!.started, `write ${i}`).toBeGreaterThan(writes[i - 1]!.ended);
    // One partition: batch order is produce order.
    const order = new Map(events.map((e, i) => [e.eventId, i]));
    for (let i = 1; i < writes.length; i++)
      expect(order.get(writes[i]!.first)!).toBeGreaterThan(order.get(writes[i - 1]!.first)!);
  });
});
