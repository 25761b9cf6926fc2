import { afterEach, describe, expect, it } from 'vitest';
import {
  fakePrediction,
  startTestServer,
  TestClient,
  waitUntil,
} from '../../tests/support/live-server-harness.ts';
import type { LiveServer } from './live-server.ts';

describe('filters deliver only matching predictions', () => {
  let server: LiveServer | undefined;
  afterEach(async () => server?.close());

  it('applies keys, minScore and both, while an unfiltered subscriber gets everything', async () => {
    server = await startTestServer();
    const all = await TestClient.connect(server.port);
    const byKey = await TestClient.connect(server.port);
    const byScore = await TestClient.connect(server.port);
    const both = await TestClient.connect(server.port);
    await all.subscribe('predictions');
    expect(await byKey.subscribe('predictions', { keys: ['user-1', 'user-7'] })).toMatchObject({
      filter: { keys: ['user-1', 'user-7'] },
    });
    expect(await byScore.subscribe('predictions', { minScore: 0.8 })).toMatchObject({
      filter: { minScore: 0.8 },
    });
    await both.subscribe('predictions', { keys: ['user-3'], minScore: 0.5 });

    const batch = Array.from({ length: 100 }, (_, i) => fakePrediction(i));
    server.publishBatch('predictions', batch);
    await waitUntil(() => all.published().length === 100, 'unfiltered subscriber');
    // The filtered ones were sent their share in the same batch; a ping round trip flushes them.
    for (const c of [byKey, byScore, both]) await c.request({ op: 'ping' }, 'pong');

    const keyed = byKey.published();
    expect(keyed).toHaveLength(20);
    expect(keyed.every((m) => m.data?.key === 'user-1' || m.data?.key === 'user-7')).toBe(true);
    const scored = byScore.published();
    expect(scored.map((m) => m.data?.score)).toEqual(batch.filter((p) => p.score >= 0.8).map((p) => p.score));
    expect(scored[0]!.data!.score).toBe(0.8); // inclusive bound
    expect(both.published().map((m) => m.data?.event_id)).toEqual([
      'evt-53',
      'evt-63',
      'evt-73',
      'evt-83',
      'evt-93',
    ]);
    // seq is the channel's, so a filtered subscriber sees gaps: event i has seq i + 1.
    expect(both.published().map((m) => m.seq)).toEqual([54, 64, 74, 84, 94]);
    for (const c of [all, byKey, byScore, both]) c.close();
  });

  it('replaces the filter on a second subscribe to the same channel', async () => {
    server = await startTestServer();
    const client = await TestClient.connect(server.port);
    await client.subscribe('predictions', { keys: ['user-1'] });
    await client.subscribe('predictions', { keys: ['user-2'] });
    server.publishBatch('predictions', [fakePrediction(1), fakePrediction(2)]);
    await waitUntil(() => client.published().length >= 1, 'a prediction');
    await client.request({ op: 'ping' }, 'pong');
    expect(client.published().map((m) => m.data?.key)).toEqual(['user-2']);
    expect(server.stats().channels.find((c) => c.channel === 'predictions')?.subscribers).toBe(1);
    client.close();
  });
});
