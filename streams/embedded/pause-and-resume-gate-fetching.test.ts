import { afterEach, describe, expect, it, vi } from 'vitest';
import { settledNow } from '../../tests/support/settled-now.ts';
import type { TopicPartition } from '../types.ts';
import { EmbeddedTransport } from './index.ts';

const quiet = { onAssigned: (_: TopicPartition[]) => {}, onRevoked: (_: TopicPartition[]) => {} };
const p0 = [{ topic: 't', partition: 0 }];

async function setup() {
  const transport = new EmbeddedTransport();
  await transport.ensureTopics([{ topic: 't', partitions: 2 }]);
  const producer = await transport.createProducer();
  const consumer = await transport.createConsumer({ groupId: 'g', rebalance: quiet });
  await consumer.subscribe(['t']);
  await consumer.poll(1, 0);
  return { transport, producer, consumer };
}

describe('pause and resume', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a paused partition is not fetched; resuming continues from where it stopped', async () => {
    const { transport, producer, consumer } = await setup();
    await producer.send('t', [
      { key: null, value: null, partition: 0 },
      { key: null, value: null, partition: 1 },
      { key: null, value: null, partition: 0 },
    ]);
    consumer.pause(p0);
    expect((await consumer.poll(100, 0)).map((r) => r.partition)).toEqual([1]);
    expect(await consumer.poll(100, 20)).toEqual([]);
    consumer.resume(p0);
    expect((await consumer.poll(100, 0)).map((r) => [r.partition, r.offset])).toEqual([
      [0, 0],
      [0, 1],
    ]);
    await transport.close();
  });

  it('an append to a paused partition does not wake the poll, resume does', async () => {
    // A fake clock: the poll's 5 s wait cannot run out, so only the append or the resume can end it.
    vi.useFakeTimers();
    const { transport, producer, consumer } = await setup();
    consumer.pause(p0);
    const polled = consumer.poll(100, 5_000);
    await producer.send('t', [{ key: null, value: null, partition: 0 }]);
    await vi.advanceTimersByTimeAsync(40);
    expect(await settledNow(polled)).toBe(false);
    consumer.resume(p0);
    expect(await settledNow(polled)).toBe(true);
    expect((await polled).map((r) => r.partition)).toEqual([0]);
    await transport.close();
  });

  it('pause inside onAssigned holds back the new partition (the engine does this under backpressure)', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 2 }]);
    const producer = await transport.createProducer();
    await producer.send('t', [
      { key: null, value: null, partition: 0 },
      { key: null, value: null, partition: 1 },
    ]);
    const consumer = await transport.createConsumer({
      groupId: 'g',
      rebalance: {
        onAssigned: (tps) => consumer.pause(tps.filter((tp) => tp.partition === 0)),
        onRevoked: () => {},
      },
    });
    await consumer.subscribe(['t']);
    expect((await consumer.poll(100, 0)).map((r) => r.partition)).toEqual([1]);
    await transport.close();
  });
});
