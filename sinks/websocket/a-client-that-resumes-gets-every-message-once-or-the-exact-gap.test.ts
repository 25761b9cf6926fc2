import { describe, expect, it } from 'vitest';
import { fakePrediction, liveFixture, waitUntil } from '../../tests/support/live-server-harness.ts';
import type { LiveServer } from './live-server.ts';

function publish(server: LiveServer, from: number, count: number, pad = ''): void {
  server.publishBatch(
    'predictions',
    Array.from({ length: count }, (_, i) => fakePrediction(from + i, pad ? { features_missing: [pad] } : {})),
  );
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('a client that resumes with fromSeq', () => {
  const live = liveFixture();
  const connect = () => live.connect();

  it('gets every message after fromSeq exactly once, in order, and then the live stream with no seam', async () => {
    const server = await live.start({ resumeMessages: 1000 });
    const first = await connect();
    const epoch = first.hello.epoch as string;
    await first.subscribe('predictions');
    publish(server, 1, 100);
    await waitUntil(() => first.published().length === 100, '100 messages');
    first.close();
    publish(server, 101, 200); // while it is away: seqs 101–300

    const again = await connect();
    expect(again.hello.epoch).toBe(epoch);
    // Publishing goes on while it resubscribes: the replay and the live stream must meet exactly.
    const timer = setInterval(() => publish(server, 0, 7), 1);
    const subscribed = await again.request(
      { op: 'subscribe', channel: 'predictions', fromSeq: 100, epoch },
      'subscribed',
    );
    expect(subscribed).toMatchObject({ epoch, channel: 'predictions' });
    await waitUntil(() => (again.seqs.get('predictions')?.length ?? 0) >= 400, 'replay and live');
    clearInterval(timer);
    const last = server.stats().channels.find((c) => c.channel === 'predictions')!.seq;
    await waitUntil(() => again.seqs.get('predictions')!.at(-1) === last, 'the last message');
    expect(again.seqs.get('predictions')).toEqual(range(101, last));
    expect(again.received.some((m) => m.op === 'gap' || m.op === 'reset')).toBe(false);
  });

  it('replays a backlog larger than its send budget as the socket drains, still exactly once', async () => {
    const server = await live.start({
      resumeMessages: 20_000,
      resumeBytes: 64 * 1024 * 1024,
      maxBackpressureBytes: 64 * 1024,
    });
    const epoch = (await connect()).hello.epoch as string;
    publish(server, 1, 10_000, 'x'.repeat(1000)); // ~11 MB, some 170 budgets' worth
    const client = await connect();
    await client.request({ op: 'subscribe', channel: 'predictions', fromSeq: 0, epoch }, 'subscribed');
    await waitUntil(
      () => (client.seqs.get('predictions')?.length ?? 0) === 10_000,
      'the whole backlog',
      20_000,
    );
    expect(client.seqs.get('predictions')).toEqual(range(1, 10_000));
    publish(server, 10_001, 5);
    await waitUntil(() => client.seqs.get('predictions')!.length === 10_005, 'live after the replay');
    expect(client.seqs.get('predictions')!.slice(-5)).toEqual(range(10_001, 10_005));
  });

  it('is told the exact number it missed when the buffer rolled over, then gets what is held', async () => {
    const server = await live.start({ resumeMessages: 100 });
    const epoch = (await connect()).hello.epoch as string;
    publish(server, 1, 510); // the buffer holds 411–510
    const client = await connect();
    await client.request({ op: 'subscribe', channel: 'predictions', fromSeq: 10, epoch }, 'subscribed');
    await waitUntil(() => (client.seqs.get('predictions')?.length ?? 0) === 100, 'the held messages');
    const gap = client.received.find((m) => m.op === 'gap');
    expect(gap).toEqual({ op: 'gap', channel: 'predictions', missed: 400, fromSeq: 11, toSeq: 410 });
    expect(client.received.indexOf(gap!)).toBeLessThan(
      client.received.findIndex((m) => m.seq === 411 && !m.op),
    );
    expect(client.seqs.get('predictions')).toEqual(range(411, 510));
  });

  it('replays only what passes its filter', async () => {
    const server = await live.start();
    const epoch = (await connect()).hello.epoch as string;
    publish(server, 1, 200);
    const client = await connect();
    await client.request(
      { op: 'subscribe', channel: 'predictions', fromSeq: 50, epoch, filter: { keys: ['user-3'] } },
      'subscribed',
    );
    const expected = range(51, 200).filter((seq) => fakePrediction(seq).key === 'user-3');
    await waitUntil(
      () => (client.seqs.get('predictions')?.length ?? 0) === expected.length,
      'filtered replay',
    );
    expect(client.seqs.get('predictions')).toEqual(expected);
  });

  it('gets reset after a server restart, and an error for a fromSeq ahead of the channel', async () => {
    let server = await live.start();
    const old = (await connect()).hello.epoch as string;
    publish(server, 1, 20);
    const ahead = await connect();
    const refused = await ahead.request(
      { op: 'subscribe', channel: 'predictions', fromSeq: 99, epoch: old },
      'error',
    );
    expect(refused).toMatchObject({ error: 'bad_resume' });
    expect(refused.message).toContain('ahead of channel predictions (at seq 20)');
    await server.close();
    server = await live.start();
    const client = await connect();
    expect(client.hello.epoch).not.toBe(old);
    const reset = await client.request(
      { op: 'subscribe', channel: 'predictions', fromSeq: 20, epoch: old },
      'reset',
    );
    expect(reset).toEqual({ op: 'reset', channel: 'predictions', epoch: client.hello.epoch, seq: 0 });
    publish(server, 1, 3);
    await waitUntil(() => client.seqs.get('predictions')?.length === 3, 'the live stream');
    expect(client.seqs.get('predictions')).toEqual([1, 2, 3]);
  });
});
