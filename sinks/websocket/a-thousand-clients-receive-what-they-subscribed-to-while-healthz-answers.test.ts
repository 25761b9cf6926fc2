import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  fakePrediction,
  liveFixture,
  type TestClient,
  waitUntil,
} from '../../tests/support/live-server-harness.ts';
import { jsonReply } from './http-routes.ts';
import { matchesFilter, parseFilter } from './subscriber-filter.ts';

const CLIENTS = 1000;
const MESSAGES = 600;

/** Client i's filter: every fourth takes everything, the others a key, a minimum score, or a sample. */
function filterOf(i: number): Record<string, unknown> | undefined {
  switch (i % 4) {
    case 0:
      return undefined;
    case 1:
      return { keys: [`user-${i % 10}`] };
    case 2:
      return { minScore: (i % 100) / 100 };
    default:
      return { sample: 0.25, model: 'fraud' };
  }
}

describe('1,000 clients on loopback', () => {
  const live = liveFixture();

  it('each receives exactly the messages its filter passes, in order, while /healthz keeps answering', async () => {
    const server = await live.start({ maxSubscribers: CLIENTS + 10 });
    const clients: TestClient[] = [];
    server.get('/healthz', () => jsonReply(200, { status: 'ok' }));
    for (let i = 0; i < CLIENTS; i += 100)
      clients.push(
        ...(await Promise.all(Array.from({ length: 100 }, () => live.connect({ record: false })))),
      );
    // Every other client takes batch frames (arrays), with each kind of filter.
    await Promise.all(clients.map((c, i) => c.subscribe('predictions', filterOf(i), { batch: i % 8 >= 4 })));

    const health: number[] = [];
    let probing = true;
    const probe = (async () => {
      while (probing) {
        health.push((await fetch(`http://127.0.0.1:${server.port}/healthz`)).status);
        await sleep(50);
      }
    })();
    const published = Array.from({ length: MESSAGES }, (_, i) => fakePrediction(i + 1));
    // 3,000 a second, the rate `npm start` publishes at: 30 every 10 ms.
    for (let from = 0; from < MESSAGES; from += 30) {
      server.publishBatch('predictions', published.slice(from, from + 30));
      await sleep(10);
    }
    const expected = clients.map((_, i) => {
      const parsed = parseFilter(filterOf(i));
      if (!parsed.ok) throw new Error(parsed.message);
      const filter = parsed.filter;
      return published.flatMap((p, s) => (filter === null || matchesFilter(filter, p) ? [s + 1] : []));
    });
    await waitUntil(
      () => clients.every((c, i) => (c.seqs.get('predictions')?.length ?? 0) === expected[i]!.length),
      'every client to get its messages',
      30_000,
    ).catch((error: unknown) => {
      const short = clients.filter(
        (c, i) => (c.seqs.get('predictions')?.length ?? 0) !== expected[i]!.length,
      );
      const stats = server.stats().channels.find((c) => c.channel === 'predictions');
      throw new Error(`${(error as Error).message}: ${short.length} clients short; ${JSON.stringify(stats)}`);
    });
    probing = false;
    await probe;
    clients.forEach((c, i) => {
      expect(c.seqs.get('predictions') ?? []).toEqual(expected[i]);
      if (i % 8 < 4) expect(c.batchFrames).toBe(0);
    });
    const batchedWithMessages = clients.filter((_, i) => i % 8 >= 4 && expected[i]!.length > 0);
    expect(batchedWithMessages.length).toBeGreaterThan(CLIENTS / 4);
    expect(batchedWithMessages.filter((c) => c.batchFrames === 0)).toHaveLength(0);
    // The filters really filtered: a key takes a tenth, a 25% sample about a quarter.
    expect(expected[1]!.length).toBe(MESSAGES / 10);
    expect(expected[3]!.length).toBeGreaterThan(MESSAGES * 0.2);
    expect(expected[3]!.length).toBeLessThan(MESSAGES * 0.3);
    expect(health.length).toBeGreaterThan(3);
    expect(health.every((status) => status === 200)).toBe(true);
    const stats = server.stats().channels.find((c) => c.channel === 'predictions')!;
    expect(stats.dropped).toBe(0);
  }, 60_000);
});
