import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fakePrediction,
  startTestServer,
  TestClient,
  waitUntil,
} from '../../tests/support/live-server-harness.ts';
import { CLOSE_SLOW_CONSUMER } from './close-codes.ts';
import type { LiveServer } from './live-server.ts';

const BATCH = 256;
const TOTAL_BYTES = 50 * 1024 * 1024;
const PAD = 'x'.repeat(2000); // ~2.3 KB per message: 50 MB is ~23k messages

function batch(from: number) {
  return Array.from({ length: BATCH }, (_, i) => fakePrediction(from + i, { features_missing: [PAD] }));
}

const messageBytes = JSON.stringify({ channel: 'predictions', seq: 1, data: batch(0)[0] }).length;

function predictionsStats(server: LiveServer) {
  return server.stats().channels.find((c) => c.channel === 'predictions')!;
}

describe('slow subscriber is dropped, not awaited', () => {
  let server: LiveServer | undefined;
  afterEach(async () => server?.close());

  it('publishing 50 MB to a stalled subscriber completes synchronously, within the tick', async () => {
    server = await startTestServer({ slowSubscriberCloseMs: 0, maxFanOutShare: 1, flushIntervalMs: 0 });
    const slow = await TestClient.connect(server.port, { record: false });
    await slow.subscribe('predictions');
    slow.pauseReading();

    let otherWorkRan = false;
    setImmediate(() => {
      otherWorkRan = true;
    });
    let published = 0;
    while (published * messageBytes < TOTAL_BYTES) {
      server.publishBatch('predictions', batch(published));
      published += BATCH;
    }

    // "Never waits for a socket", by counts rather than a stopwatch: the whole burst ran in one
    // tick (nothing awaited) while the slow client had read nothing, and every message is
    // accounted for as sent or dropped. What a burst costs is loadtest/publish-cost-bench.ts.ts's table.
    expect(otherWorkRan).toBe(false);
    expect(slow.seqs.get('predictions')).toBeUndefined();
    const stats = predictionsStats(server);
    expect(stats.seq).toBe(published);
    // What the slow socket was given is bounded by its kernel buffers plus maxBackpressureBytes.
    expect(stats.sent * messageBytes).toBeLessThan(40 * 1024 * 1024); // typically ~10 MB on Linux loopback
    expect(stats.dropped).toBe(published - stats.sent);
    slow.close();
  });

  it('a fast subscriber still receives everything in order while the slow one drops', async () => {
    const registry = new Registry();
    server = await startTestServer({
      metrics: registry,
      slowSubscriberCloseMs: 0,
      maxFanOutShare: 1,
      flushIntervalMs: 0,
    });
    const slow = await TestClient.connect(server.port, { record: false });
    const fast = await TestClient.connect(server.port, { record: false });
    await slow.subscribe('predictions');
    await fast.subscribe('predictions');
    slow.pauseReading();

    let published = 0;
    while (published * messageBytes < TOTAL_BYTES) {
      server.publishBatch('predictions', batch(published));
      published += BATCH;
      // When publishBatch returns, each subscriber's share of the batch is already sent or dropped:
      // nothing is left waiting on the slow socket (the check a per-batch stopwatch stood for).
      const { sent, dropped } = predictionsStats(server);
      expect(sent + dropped).toBe(2 * published);
      // The fast client paces the test, not the server: the server never waits for anyone.
      await waitUntil(
        () => (fast.seqs.get('predictions')?.length ?? 0) === published,
        `fast client at ${published}`,
      );
    }

    expect(fast.seqs.get('predictions')).toEqual(Array.from({ length: published }, (_, i) => i + 1));
    const stats = predictionsStats(server);
    expect(stats.dropped).toBeGreaterThan(published / 2);
    expect(stats.sent + stats.dropped).toBe(2 * published);
    const metrics = await registry.metrics();
    expect(metrics).toContain(`sluice_ws_messages_dropped_total{channel="predictions"} ${stats.dropped}`);
    expect(metrics).toContain(`sluice_ws_messages_sent_total{channel="predictions"} ${stats.sent}`);
    expect(metrics).toContain('sluice_ws_subscribers{channel="predictions"} 2');

    // Once it reads again, the slow one sees what it was sent: in order, with gaps where it was dropped.
    slow.resumeReading();
    const expected = stats.sent - published;
    await waitUntil(
      () => (slow.seqs.get('predictions')?.length ?? 0) === expected,
      'slow client to drain',
      20_000,
    );
    const seen = slow.seqs.get('predictions')!;
    expect(seen.every((seq, i) => i === 0 || seq > seen[i - 1]!)).toBe(true);
    expect(seen.length).toBeLessThan(published);
    slow.close();
    fast.close();
  });

  it('closes a subscriber that stays over its limit for slowSubscriberCloseMs with code 4008', async () => {
    server = await startTestServer({ slowSubscriberCloseMs: 300 });
    const slow = await TestClient.connect(server.port, { record: false });
    const fast = await TestClient.connect(server.port, { record: false });
    await slow.subscribe('predictions');
    await fast.subscribe('predictions');
    slow.pauseReading();

    let published = 0;
    const deadline = Date.now() + 15_000;
    while (server.stats().connections > 1 && Date.now() < deadline) {
      server.publishBatch('predictions', batch(published));
      published += BATCH;
      await waitUntil(() => (fast.seqs.get('predictions')?.length ?? 0) === published, 'fast client');
      await sleep(5);
    }
    expect(server.stats().connections).toBe(1);
    expect(predictionsStats(server).subscribers).toBe(1);
    slow.resumeReading();
    await waitUntil(() => slow.closeCode !== null, 'slow client to see the close', 10_000);
    expect(slow.closeCode).toBe(CLOSE_SLOW_CONSUMER);
    expect(slow.closeReason).toMatch(/slow consumer/);
    expect(fast.closeCode).toBeNull();
    fast.close();
  });
});
