import type { Message } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { OrderedSendQueue } from './ordered-send-queue.ts';

const msgs = (...values: string[]): Message[] =>
  values.map((value) => ({ key: null, value: Buffer.from(value) }));
const values = (messages: Message[]) => messages.map((m) => String(m.value));

/** A fake broker whose first request is the slowest, as a metadata refresh or a retry would make it. */
function slowFirstBroker() {
  const requests: Array<{ topic: string; values: string[] }> = [];
  let calls = 0;
  const request = async (topic: string, messages: Message[]) => {
    const delayMs = calls++ === 0 ? 30 : 1;
    await new Promise((r) => setTimeout(r, delayMs));
    requests.push({ topic, values: values(messages) });
  };
  return { requests, request };
}

describe('OrderedSendQueue', () => {
  it('puts overlapping sends on the wire in call order, merging those that waited into one request', async () => {
    const broker = slowFirstBroker();
    const queue = new OrderedSendQueue<Message>(broker.request, {
      lingerMs: 0,
      maxRequestBytes: 1 << 20,
      maxRequestRecords: 1000,
    });
    await Promise.all([
      queue.send('t', msgs('a')),
      queue.send('t', msgs('b')),
      queue.send('t', msgs('c', 'd')),
    ]);
    expect(broker.requests).toEqual([
      { topic: 't', values: ['a'] },
      { topic: 't', values: ['b', 'c', 'd'] },
    ]);
  });

  it('merges only consecutive sends to one topic, and within the size bounds', async () => {
    const broker = slowFirstBroker();
    const queue = new OrderedSendQueue<Message>(broker.request, {
      lingerMs: 0,
      maxRequestBytes: 1 << 20,
      maxRequestRecords: 2,
    });
    await Promise.all([
      queue.send('t', msgs('first')),
      queue.send('t', msgs('a')),
      queue.send('dlq', msgs('x')),
      queue.send('t', msgs('b')),
      queue.send('t', msgs('c')),
      queue.send('t', msgs('d')),
    ]);
    expect(broker.requests).toEqual([
      { topic: 't', values: ['first'] },
      { topic: 't', values: ['a'] },
      { topic: 'dlq', values: ['x'] },
      { topic: 't', values: ['b', 'c'] },
      { topic: 't', values: ['d'] },
    ]);
  });

  it('lingers before a request when nothing is in flight, so sends made meanwhile share it', async () => {
    // The fake clock makes "a second send arrives within the linger" exact: a real 5 ms sleep
    // against a 20 ms linger could overrun it on a stalled machine.
    vi.useFakeTimers();
    try {
      const broker = slowFirstBroker();
      const requested: string[][] = [];
      const queue = new OrderedSendQueue<Message>(
        (topic, messages) => {
          requested.push(values(messages));
          return broker.request(topic, messages);
        },
        { lingerMs: 20, maxRequestBytes: 1 << 20, maxRequestRecords: 100 },
      );
      const first = queue.send('t', msgs('a'));
      await vi.advanceTimersByTimeAsync(19);
      expect(requested).toEqual([]);
      const second = queue.send('t', msgs('b'));
      await vi.advanceTimersByTimeAsync(1);
      expect(requested).toEqual([['a', 'b']]);
      await vi.runAllTimersAsync();
      await Promise.all([first, second]);
      expect(broker.requests).toEqual([{ topic: 't', values: ['a', 'b'] }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('rejects every send merged into a failed request, and carries on with the next ones', async () => {
    let calls = 0;
    const sent: string[][] = [];
    const queue = new OrderedSendQueue<Message>(
      async (_topic, messages) => {
        await new Promise((r) => setTimeout(r, 5));
        if (calls++ === 1) throw new Error('broker said no');
        sent.push(values(messages));
      },
      { lingerMs: 0, maxRequestBytes: 1 << 20, maxRequestRecords: 100 },
    );
    const results = await Promise.allSettled([
      queue.send('t', msgs('a')),
      queue.send('t', msgs('b')),
      queue.send('t', msgs('c')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected']);
    await queue.send('t', msgs('d'));
    expect(sent).toEqual([['a'], ['d']]);
    await queue.idle();
  });

  it('splits a send larger than one request into consecutive requests within the bound', async () => {
    const broker = slowFirstBroker();
    const queue = new OrderedSendQueue<Message>(broker.request, {
      lingerMs: 0,
      maxRequestBytes: 10,
      maxRequestRecords: 100,
    });
    // 4-byte values: two fit a 10-byte request; a 25-byte one goes alone.
    await queue.send('t', msgs('aaaa', 'bbbb', 'cccc', 'x'.repeat(25), 'dddd', 'eeee'));
    expect(broker.requests).toEqual([
      { topic: 't', values: ['aaaa', 'bbbb'] },
      { topic: 't', values: ['cccc'] },
      { topic: 't', values: ['x'.repeat(25)] },
      { topic: 't', values: ['dddd', 'eeee'] },
    ]);
  });
});
