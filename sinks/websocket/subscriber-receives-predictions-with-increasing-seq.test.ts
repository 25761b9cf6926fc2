import { afterEach, describe, expect, it } from 'vitest';
import {
  fakePrediction,
  startTestServer,
  TestClient,
  waitUntil,
} from '../../tests/support/live-server-harness.ts';
import type { LiveServer } from './live-server.ts';

describe('subscriber receives predictions with increasing seq', () => {
  let server: LiveServer | undefined;
  afterEach(async () => server?.close());

  it('delivers every published prediction once, in order, with seq 1, 2, 3, …', async () => {
    server = await startTestServer();
    const client = await TestClient.connect(server.port);
    const ack = await client.subscribe('predictions');
    expect(ack).toMatchObject({ op: 'subscribed', channel: 'predictions', seq: 0, filter: null });

    const items = [0, 1, 2, 3, 4, 5].map((i) => fakePrediction(i));
    server.publish('predictions', items[0]);
    server.publishBatch('predictions', items.slice(1, 5));
    server.publish('predictions', items[5]);
    await waitUntil(() => client.published().length === 6, '6 predictions');

    const got = client.published();
    expect(got.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(got.map((m) => m.data)).toEqual(items);
    client.close();
  });

  it('counts seq per channel even with no subscribers, so a late joiner learns where it starts', async () => {
    server = await startTestServer();
    server.publishBatch('predictions', [fakePrediction(0), fakePrediction(1), fakePrediction(2)]);
    server.publish('drift', { share_drifted: 0 });
    const client = await TestClient.connect(server.port);
    expect((await client.subscribe('predictions')).seq).toBe(3);
    expect((await client.subscribe('drift')).seq).toBe(1);
    server.publish('predictions', fakePrediction(3));
    server.publish('drift', { share_drifted: 0.5 });
    await waitUntil(() => client.published('drift').length === 1 && client.published().length === 1, 'both');
    expect(client.published()[0]).toMatchObject({ channel: 'predictions', seq: 4 });
    expect(client.published('drift')[0]).toMatchObject({
      channel: 'drift',
      seq: 2,
      data: { share_drifted: 0.5 },
    });
    client.close();
  });

  it('stops delivering after unsubscribe', async () => {
    server = await startTestServer();
    const client = await TestClient.connect(server.port);
    await client.subscribe('predictions');
    server.publish('predictions', fakePrediction(1));
    await waitUntil(() => client.published().length === 1, 'first prediction');
    expect(await client.request({ op: 'unsubscribe', channel: 'predictions' }, 'unsubscribed')).toMatchObject(
      {
        channel: 'predictions',
      },
    );
    expect(server.hasSubscribers('predictions')).toBe(false);
    server.publish('predictions', fakePrediction(2));
    await client.request({ op: 'ping' }, 'pong');
    expect(client.published()).toHaveLength(1);
    client.close();
  });

  it('rejects publishing on a channel that is not configured (a wiring bug)', async () => {
    server = await startTestServer();
    expect(() => server!.publish('predictionz', {})).toThrow(/predictionz/);
  });
});
