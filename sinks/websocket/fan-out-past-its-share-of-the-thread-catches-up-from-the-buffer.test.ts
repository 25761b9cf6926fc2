import { performance } from 'node:perf_hooks';
import { setImmediate } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  fakePrediction,
  liveFixture,
  type TestClient,
  waitUntil,
} from '../../tests/support/live-server-harness.ts';

describe('fan-out bounded to websocket.maxFanOutShare of the thread', () => {
  const live = liveFixture();

  it('defers what does not fit the share: subscribers catch up from the buffer, every message once and in order', async () => {
    // Send budgets large enough that only the share holds fan-out back.
    const server = await live.start({
      maxFanOutShare: 0.05,
      resumeMessages: 100_000,
      resumeBytes: 256 * 1024 * 1024,
      maxBackpressureBytes: 64 * 1024 * 1024,
      totalBackpressureBytes: 1024 * 1024 * 1024,
    });
    const clients: TestClient[] = [];
    for (let i = 0; i < 50; i++) clients.push(await live.connect({ record: false }));
    for (const c of clients) await c.subscribe('predictions');
    // 20,000 messages in 200 publishes, each after 2 ms of work standing for a busy pipeline, so
    // the thread has no idle time to lend and fan-out gets its 5%: far less than it needs here.
    for (let from = 0; from < 20_000; from += 100) {
      server.publishBatch(
        'predictions',
        Array.from({ length: 100 }, (_, i) => fakePrediction(from + i + 1)),
      );
      const until = performance.now() + 2;
      while (performance.now() < until);
      await setImmediate();
    }
    await waitUntil(
      () => clients.every((c) => c.seqs.get('predictions')?.length === 20_000),
      'every client to catch up',
      30_000,
    );
    const all = Array.from({ length: 20_000 }, (_, i) => i + 1);
    for (const c of clients) expect(c.seqs.get('predictions')).toEqual(all);
    const stats = server.stats().channels.find((c) => c.channel === 'predictions')!;
    expect(stats.sent).toBe(50 * 20_000);
    expect(stats.dropped).toBe(0);
    expect(stats.deferred).toBeGreaterThan(0);
  }, 60_000);
});
