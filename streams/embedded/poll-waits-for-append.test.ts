import { describe, expect, it } from 'vitest';
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
  it('returns as soon as a producer appends, long before maxWaitMs', async () => {
    const { transport, producer, consumer } = await setup();
    const started = Date.now();
    const polled = consumer.poll(100, 5_000);
    setTimeout(() => void producer.send('t', [{ key: 'k', value: Buffer.from('x') }]), 30);
    const records = await polled;
    const elapsed = Date.now() - started;
    expect(records.map((r) => r.value?.toString())).toEqual(['x']);
    expect(elapsed).toBeGreaterThanOrEqual(20);
    expect(elapsed).toBeLessThan(1_000);
    await transport.close();
  });

  it('returns [] after maxWaitMs when nothing arrives', async () => {
    const { transport, consumer } = await setup();
    const started = Date.now();
    const records = await consumer.poll(100, 60);
    expect(records).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
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
    const { transport, consumer } = await setup();
    const started = Date.now();
    expect(await consumer.poll(100, 0)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(50);
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

  it('close() makes a pending poll return [] promptly; later polls are refused', async () => {
    const { transport, consumer } = await setup();
    await consumer.poll(1, 0);
    const polled = consumer.poll(100, 30_000);
    const started = Date.now();
    await consumer.close();
    expect(await polled).toEqual([]);
    expect(Date.now() - started).toBeLessThan(200);
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
