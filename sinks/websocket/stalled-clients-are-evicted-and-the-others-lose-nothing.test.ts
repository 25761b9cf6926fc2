import { setTimeout as sleep } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { fakePrediction, liveFixture, waitUntil } from '../../tests/support/live-server-harness.ts';
import { CLOSE_SLOW_CONSUMER } from './close-codes.ts';

const PAD = 'x'.repeat(4000);

describe('stalled clients', () => {
  const live = liveFixture();

  it('10 clients that stop reading are evicted with 4008; the 10 that read get every message', async () => {
    const registry = new Registry();
    // The whole thread for fan-out, so readers are never deferred behind the 4 KB messages (that has its own test).
    const server = await live.start({ slowSubscriberCloseMs: 500, metrics: registry, maxFanOutShare: 1 });
    const connect = () => live.connect({ record: false });
    const readers = await Promise.all(Array.from({ length: 10 }, connect));
    const stalled = await Promise.all(Array.from({ length: 10 }, connect));
    for (const c of [...readers, ...stalled]) await c.subscribe('predictions');
    for (const c of stalled) c.pauseReading();

    // About 10 MB/s per client in batches of 25 (4 KB each) every 10 ms, until every stalled client is gone.
    let seq = 0;
    const deadline = Date.now() + 30_000;
    while (server.stats().evictions < 10 && Date.now() < deadline) {
      server.publishBatch(
        'predictions',
        Array.from({ length: 25 }, () => fakePrediction(++seq, { features_missing: [PAD] })),
      );
      await sleep(10);
    }
    for (let i = 0; i < 10; i++) {
      server.publishBatch(
        'predictions',
        Array.from({ length: 25 }, () => fakePrediction(++seq, { features_missing: [PAD] })),
      );
      await sleep(10);
    }
    // A stalled client reads its close frame only once it reads again: behind its backlog.
    for (const c of stalled) c.resumeReading();
    await waitUntil(
      () => stalled.every((c) => c.closeCode !== null),
      'the stalled clients to see their close',
      20_000,
    );
    expect(stalled.map((c) => c.closeCode)).toEqual(stalled.map(() => CLOSE_SLOW_CONSUMER));
    await waitUntil(
      () => readers.every((c) => c.seqs.get('predictions')?.length === seq),
      'the readers to get all',
      20_000,
    );
    const all = Array.from({ length: seq }, (_, i) => i + 1);
    for (const reader of readers) expect(reader.seqs.get('predictions')).toEqual(all);
    expect(server.stats().evictions).toBe(10);
    expect(await registry.metrics()).toMatch(/^sluice_ws_evictions_total 10$/m);
  }, 60_000);

  for (const slowPolicy of ['drop-newest', 'thin'] as const) {
    it(`a client that falls behind is told, once it drains, exactly how many it lost (${slowPolicy})`, async () => {
      // The whole thread for fan-out: what it loses is the policy's doing, not a deferral to the catch-up.
      const server = await live.start({ slowSubscriberCloseMs: 0, slowPolicy, maxFanOutShare: 1 });
      const client = await live.connect({ record: true });
      await client.subscribe('predictions');
      client.pauseReading();
      let seq = 0;
      // 40 MB: past what the kernel and its budget hold.
      while (seq < 10_000) {
        server.publishBatch(
          'predictions',
          Array.from({ length: 100 }, () => fakePrediction(++seq, { features_missing: [PAD] })),
        );
        await sleep(1);
      }
      client.resumeReading();
      // Everything it lost is accounted for: by `dropped` notices (its share ran out), or a `gap`
      // (it caught up from the buffer, which had rolled over).
      const told = () =>
        client.received.reduce(
          (n, m) =>
            n + (m.op === 'dropped' ? (m.count as number) : m.op === 'gap' ? (m.missed as number) : 0),
          0,
        );
      const got = () => client.seqs.get('predictions')?.length ?? 0;
      await waitUntil(() => got() + told() === seq, 'every message received or reported lost', 20_000);
      expect(client.received.some((m) => m.op === 'dropped')).toBe(true);
      const seqs = client.seqs.get('predictions')!;
      expect(seq - seqs.length).toBeGreaterThan(0);
      // What it got is in order, and under `thin` it got a tenth of the messages past half its budget.
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      if (slowPolicy === 'thin')
        expect(seqs.filter((s) => s % 10 === 0).length).toBeGreaterThan(seqs.length / 10);
    }, 60_000);
  }
});
