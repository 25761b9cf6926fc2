import { afterEach, describe, expect, it } from 'vitest';
import {
  fakePrediction,
  startTestServer,
  TestClient,
  waitUntil,
} from '../../tests/support/live-server-harness.ts';
import type { LiveServer } from './live-server.ts';

describe('batch subscriptions ("batch": true)', () => {
  let server: LiveServer | undefined;
  afterEach(async () => server?.close());

  it('get each fan-out as one JSON array of the usual messages, filtered, in order, each once', async () => {
    // 0: every publishBatch is its own fan-out, so the frame count is known.
    server = await startTestServer({ flushIntervalMs: 0 });
    const plain = await TestClient.connect(server.port);
    const batched = await TestClient.connect(server.port);
    const filtered = await TestClient.connect(server.port);
    await plain.subscribe('predictions');
    expect(await batched.subscribe('predictions', undefined, { batch: true })).toMatchObject({
      op: 'subscribed',
      batch: true,
    });
    await filtered.subscribe('predictions', { minScore: 0.8 }, { batch: true });

    const published = Array.from({ length: 300 }, (_, i) => fakePrediction(i));
    for (let from = 0; from < 300; from += 100)
      server.publishBatch('predictions', published.slice(from, from + 100));
    await waitUntil(() => plain.published().length === 300 && batched.published().length === 300, 'all 300');
    await filtered.request({ op: 'ping' }, 'pong');

    const all = Array.from({ length: 300 }, (_, i) => i + 1);
    expect(plain.seqs.get('predictions')).toEqual(all);
    expect(plain.batchFrames).toBe(0);
    expect(batched.seqs.get('predictions')).toEqual(all);
    expect(batched.batchFrames).toBe(3);
    expect(batched.batchedMessages).toBe(300);
    // The same messages as the plain subscriber's, field for field.
    expect(batched.published()).toEqual(plain.published());

    const matching = published.flatMap((p, i) => (p.score >= 0.8 ? [i + 1] : []));
    expect(matching.length).toBeGreaterThan(0);
    expect(filtered.seqs.get('predictions')).toEqual(matching);
    expect(filtered.batchFrames).toBe(3);
  });

  it('a resume with batch replays what it missed exactly once, then continues in arrays', async () => {
    server = await startTestServer({ flushIntervalMs: 0 });
    const first = await TestClient.connect(server.port);
    const subscribed = await first.subscribe('predictions', undefined, { batch: true });
    server.publishBatch(
      'predictions',
      Array.from({ length: 50 }, (_, i) => fakePrediction(i)),
    );
    await waitUntil(() => first.published().length === 50, 'the first 50');
    first.close();
    server.publishBatch(
      'predictions',
      Array.from({ length: 50 }, (_, i) => fakePrediction(50 + i)),
    );

    const again = await TestClient.connect(server.port);
    await again.subscribe('predictions', undefined, {
      batch: true,
      fromSeq: 50,
      epoch: subscribed.epoch,
    });
    server.publishBatch(
      'predictions',
      Array.from({ length: 50 }, (_, i) => fakePrediction(100 + i)),
    );
    await waitUntil(() => again.published().length === 100, 'the missed 50 and the next 50');
    expect(again.seqs.get('predictions')).toEqual(Array.from({ length: 100 }, (_, i) => 51 + i));
    expect(again.batchFrames).toBeGreaterThanOrEqual(1);
  });

  it('refuses a "batch" that is not a boolean, naming the field', async () => {
    server = await startTestServer();
    const client = await TestClient.connect(server.port);
    const reply = await client.request({ op: 'subscribe', channel: 'predictions', batch: 'yes' }, 'error');
    expect(reply).toMatchObject({ error: 'bad_message' });
    expect(reply.message).toMatch(/"batch"/);
  });
});
