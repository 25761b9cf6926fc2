import { afterEach, describe, expect, it, vi } from 'vitest';
import { settledNow } from '../../tests/support/settled-now.ts';
import type { TopicPartition } from '../types.ts';
import { EmbeddedTransport } from './index.ts';

const quiet = { onAssigned: (_: TopicPartition[]) => {}, onRevoked: (_: TopicPartition[]) => {} };

function pendingTimers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
}

async function setup() {
  const transport = new EmbeddedTransport();
  await transport.ensureTopics([{ topic: 't', partitions: 4 }]);
  const producer = await transport.createProducer();
  const consumer = await transport.createConsumer({ groupId: 'g', rebalance: quiet });
  await consumer.subscribe(['t']);
  return { transport, producer, consumer };
}

describe('poll waiting', () => {
  // The tests about how long a poll waits run on a fake clock (Date and timers), which moves only
  // when a test advances it; the one about real timers left behind uses the real clock.
  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns as soon as a producer appends, long before maxWaitMs', async () => {
    vi.useFakeTimers();
    const { transport, producer, consumer } = await setup();
    const polled = consumer.poll(100, 5_000);
    await vi.advanceTimersByTimeAsync(30);
    expect(await settledNow(polled)).toBe(false);
    await producer.send('t', [{ key: 'k', value: Buffer.from('x') }]);
    // Answered by the append itself: the clock stays at 30 ms of the 5,000.
    expect(await settledNow(polled)).toBe(true);
    expect((await polled).map((r) => r.value?.toString())).toEqual(['x']);
    await transport.close();
  });

  it('returns [] after maxWaitMs when nothing arrives', async () => {
    vi.useFakeTimers();
    const { transport, consumer } = await setup();
    const polled = consumer.poll(100, 60);
    await vi.advanceTimersByTimeAsync(59);
    expect(await settledNow(polled)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(polled)).toBe(true);
    expect(await polled).toEqual([]);
    await transport.close();
  });

  it('clears its wait timer when woken early, so nothing keeps the process alive', async () => {
    const { transport, producer, consumer } = await setup();
    await consumer.poll(1, 0);
    const timersBefore = pendingTimers();
    const polled = consumer.poll(100, 60_000);
    expect(pendingTimers()).toBe(timersBefore + 1);
    setImmediate(() => void producer.send('t', [{ key: 'k', value: null }]));
    expect(await polled).toHaveLength(1);
    // ≤ rather than =: an unrelated timer of the test runner may have fired meanwhile.
    expect(pendingTimers()).toBeLessThanOrEqual(timersBefore);
    await transport.close();
  });

  it('does not wait when maxWaitMs is 0', async () => {
    vi.useFakeTimers();
    const { transport, consumer } = await setup();
    const polled = consumer.poll(100, 0);
    expect(await settledNow(polled)).toBe(true);
    expect(await polled).toEqual([]);
    await transport.close();
  });

  it('ignores appends to partitions this member does not own', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 2 }]);
    const producer = await transport.createProducer();
    const a = await transport.createConsumer({ groupId: 'g', clientId: 'a', rebalance: quiet });
    const b = await transport.createConsumer({ groupId: 'g', clientId: 'b', rebalance: quiet });
    await a.subscribe(['t']);
    await b.subscribe(['t']);
    await a.poll(10, 0);
    await b.poll(10, 0);
    expect(b.assignment()).toEqual([{ topic: 't', partition: 1 }]);
    const polled = b.poll(10, 150);
    await producer.send('t', [{ key: null, value: null, partition: 0 }]);
    expect(await polled).toEqual([]);
    expect((await a.poll(10, 0)).map((r) => r.partition)).toEqual([0]);
    await transport.close();
  });

  it('close() makes a pending poll return [] at once; later polls are refused', async () => {
    vi.useFakeTimers();
    const { transport, consumer } = await setup();
    await consumer.poll(1, 0);
    const polled = consumer.poll(100, 30_000);
    const closed = consumer.close();
    expect(await settledNow(polled)).toBe(true);
    await closed;
    expect(await polled).toEqual([]);
    await expect(consumer.poll(1, 0)).rejects.toMatchObject({ code: 'SLUICE_TRANSPORT_CLOSED' });
    expect(transport.isConnected()).toBe(true);
    await transport.close();
    expect(transport.isConnected()).toBe(false);
  });

  it('transport close() releases every pending poll', async () => {
    const { transport, consumer } = await setup();
    const polled = consumer.poll(100, 30_000);
    await transport.close();
    expect(await polled).toEqual([]);
    await expect(transport.createProducer()).rejects.toMatchObject({ code: 'SLUICE_TRANSPORT_CLOSED' });
  });

  it('refuses a second poll while one is pending', async () => {
    const { transport, consumer } = await setup();
    const first = consumer.poll(1, 100);
    await expect(consumer.poll(1, 0)).rejects.toThrow(/another poll/);
    expect(await first).toEqual([]);
    await transport.close();
  });
});
