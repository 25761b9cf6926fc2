import { afterEach, describe, expect, it } from 'vitest';
import {
  fakePrediction,
  startTestServer,
  TestClient,
  waitUntil,
} from '../../tests/support/live-server-harness.ts';
import { CLOSE_POLICY_VIOLATION } from './close-codes.ts';
import type { LiveServer } from './live-server.ts';

describe('limits a client runs into', () => {
  let server: LiveServer | undefined;
  afterEach(async () => server?.close());

  it('a client that keeps sending bad frames is closed with 1008 past websocket.maxBadFrames', async () => {
    server = await startTestServer({ maxBadFrames: 5 });
    const client = await TestClient.connect(server.port);
    for (let i = 0; i < 5; i++) expect((await client.request('{oops', 'error')).error).toBe('not_json');
    client.send('{oops');
    expect(await client.closed()).toBe(CLOSE_POLICY_VIOLATION);
    expect(client.closeReason).toBe('more than 5 bad messages');
  });

  it('a burst of 10,000 subscribes is rate limited, then closed; other clients are served throughout', async () => {
    server = await startTestServer({ subscribesPerSecond: 20 });
    const bystander = await TestClient.connect(server.port);
    await bystander.subscribe('predictions');
    const flood = await TestClient.connect(server.port, { record: true });
    for (let i = 0; i < 10_000; i++) flood.send({ op: 'subscribe', channel: 'predictions' });
    expect(await flood.closed(10_000)).toBe(CLOSE_POLICY_VIOLATION);
    const replies = flood.received.filter((m) => m.op === 'subscribed' || m.op === 'error');
    // The bucket's 20, then one rate_limited error per frame until the bad-frame limit (20) is passed.
    expect(replies.filter((m) => m.op === 'subscribed').length).toBeGreaterThanOrEqual(20);
    expect(replies.filter((m) => m.error === 'rate_limited').length).toBe(21);
    server.publish('predictions', fakePrediction(1));
    await waitUntil(() => bystander.published().length === 1, 'the bystander to be served');
    expect(await bystander.request({ op: 'ping' }, 'pong')).toEqual({ op: 'pong' });
  });

  it('refuses a subscription past websocket.maxSubscriptionsPerConnection, and a malformed resume', async () => {
    server = await startTestServer({ maxSubscriptionsPerConnection: 2 });
    const client = await TestClient.connect(server.port);
    await client.subscribe('predictions');
    await client.subscribe('drift');
    await client.subscribe('drift'); // replacing one is not another
    expect(await client.request({ op: 'subscribe', channel: 'alerts' }, 'error')).toMatchObject({
      error: 'too_many_subscriptions',
      message: 'at most 2 channels per connection',
    });
    const epoch = client.hello.epoch;
    for (const bad of [
      { fromSeq: -1, epoch },
      { fromSeq: 1.5, epoch },
      { fromSeq: '7', epoch },
      { fromSeq: 7 },
      { fromSeq: 7, epoch: '' },
    ])
      expect(
        await client.request({ op: 'subscribe', channel: 'predictions', ...bad }, 'error'),
      ).toMatchObject({ error: 'bad_resume' });
    expect(client.closeCode).toBeNull();
  });
});
