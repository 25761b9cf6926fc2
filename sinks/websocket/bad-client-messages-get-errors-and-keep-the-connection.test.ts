import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  fakePrediction,
  startTestServer,
  TestClient,
  waitUntil,
} from '../../tests/support/live-server-harness.ts';
import type { LiveServer } from './live-server.ts';

describe('bad client messages get errors and keep the connection', () => {
  let server: LiveServer | undefined;
  afterEach(async () => server?.close());

  it.each([
    { name: 'not JSON', frame: '{"op":"subscribe",', code: 'not_json', message: /JSON/ },
    { name: 'not an object', frame: '[1,2]', code: 'bad_message', message: /"op"/ },
    { name: 'op missing', frame: '{"channel":"predictions"}', code: 'bad_message', message: /"op"/ },
    {
      name: 'unknown op',
      frame: '{"op":"subscrbe","channel":"predictions"}',
      code: 'unknown_op',
      message: /"op" "subscrbe"/,
    },
    {
      name: 'unknown channel',
      frame: '{"op":"subscribe","channel":"prediction"}',
      code: 'unknown_channel',
      message: /"channel".*"prediction"/,
    },
    { name: 'channel missing', frame: '{"op":"unsubscribe"}', code: 'unknown_channel', message: /"channel"/ },
    {
      name: 'filter not an object',
      frame: '{"op":"subscribe","channel":"predictions","filter":5}',
      code: 'bad_filter',
      message: /"filter"/,
    },
    {
      name: 'unknown filter field',
      frame: '{"op":"subscribe","channel":"predictions","filter":{"key":"u"}}',
      code: 'bad_filter',
      message: /filter\.key"/,
    },
    {
      name: 'keys not strings',
      frame: '{"op":"subscribe","channel":"predictions","filter":{"keys":["a",3]}}',
      code: 'bad_filter',
      message: /filter\.keys\[1\]/,
    },
    {
      name: 'empty keys',
      frame: '{"op":"subscribe","channel":"predictions","filter":{"keys":[]}}',
      code: 'bad_filter',
      message: /filter\.keys/,
    },
    {
      name: 'minScore not a number',
      frame: '{"op":"subscribe","channel":"predictions","filter":{"minScore":"0.8"}}',
      code: 'bad_filter',
      message: /filter\.minScore/,
    },
    {
      name: 'filter on an unfilterable channel',
      frame: '{"op":"subscribe","channel":"drift","filter":{"minScore":1}}',
      code: 'bad_filter',
      message: /drift/,
    },
    {
      name: 'oversized',
      frame: JSON.stringify({ op: 'ping', pad: 'x'.repeat(20_000) }),
      code: 'too_large',
      message: /16384/,
    },
  ])('$name → error $code, and the connection still works', async ({ frame, code, message }) => {
    server = await startTestServer();
    const client = await TestClient.connect(server.port);
    const reply = await client.request(frame, 'error');
    expect(reply.error).toBe(code);
    expect(reply.message).toMatch(message);
    // Still open and still serving: a valid subscribe works and data flows.
    await client.subscribe('predictions');
    server.publish('predictions', fakePrediction(1));
    await waitUntil(() => client.published().length === 1, 'a prediction after the error');
    expect(client.closeCode).toBeNull();
    expect(server.stats().clientErrors[code]).toBe(1);
    client.close();
  });

  it('refuses binary frames, echoes ping ids, and counts errors by code in the registry', async () => {
    const registry = new Registry();
    server = await startTestServer({ metrics: registry });
    const client = await TestClient.connect(server.port);
    const from = client.received.length;
    client.ws.send(Buffer.from('{"op":"ping"}'), { binary: true });
    expect((await client.reply('error', from)).error).toBe('binary_frame');
    expect(await client.request({ op: 'ping', id: 42 }, 'pong')).toEqual({ op: 'pong', id: 42 });
    await client.request('nope', 'error');
    await client.request('nope', 'error');
    const text = await registry.metrics();
    expect(text).toMatch(/sluice_ws_client_errors_total\{code="not_json"\} 2/);
    expect(text).toMatch(/sluice_ws_client_errors_total\{code="binary_frame"\} 1/);
    client.close();
  });

  it('drops the connection only for a frame beyond the hard limit of 4 × maxMessageBytes', async () => {
    server = await startTestServer({ maxMessageBytes: 1024 });
    const client = await TestClient.connect(server.port);
    expect((await client.request({ op: 'ping', pad: 'x'.repeat(2000) }, 'error')).error).toBe('too_large');
    client.send({ op: 'ping', pad: 'x'.repeat(100_000) });
    await waitUntil(() => client.closeCode !== null, 'close');
    // uWS drops the TCP connection without a close frame, so the client reports 1006.
    expect(client.closeCode).toBe(1006);
    await waitUntil(() => server!.stats().connections === 0, 'server to forget the connection');
  });

  it('refuses connections beyond maxSubscribers with HTTP 503, and accepts again once one leaves', async () => {
    server = await startTestServer({ maxSubscribers: 2 });
    const a = await TestClient.connect(server.port);
    const b = await TestClient.connect(server.port);
    await expect(TestClient.connect(server.port)).rejects.toThrow(/503/);
    expect(server.stats().clientErrors.too_many_subscribers).toBe(1);
    a.close();
    await waitUntil(() => server!.stats().connections === 1, 'a to leave');
    const c = await TestClient.connect(server.port);
    expect(await c.request({ op: 'ping' }, 'pong')).toEqual({ op: 'pong' });
    b.close();
    c.close();
  });
});
