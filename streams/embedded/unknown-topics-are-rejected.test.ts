import { describe, expect, it } from 'vitest';
import type { TopicPartition } from '../types.ts';
import { EmbeddedTransport } from './index.ts';

const quiet = { onAssigned: (_: TopicPartition[]) => {}, onRevoked: (_: TopicPartition[]) => {} };

describe('topics', () => {
  it('refuses to produce to or subscribe to a topic nobody created, naming it', async () => {
    const transport = new EmbeddedTransport();
    const producer = await transport.createProducer();
    const send = producer.send('missing', [{ key: 'k', value: null }]);
    await expect(send).rejects.toMatchObject({ code: 'SLUICE_TOPIC_UNKNOWN', subject: 'missing' });
    await expect(send).rejects.toThrow(/topic "missing" does not exist/);
    const consumer = await transport.createConsumer({ groupId: 'g', rebalance: quiet });
    await expect(consumer.subscribe(['missing'])).rejects.toMatchObject({ code: 'SLUICE_TOPIC_UNKNOWN' });
    expect(() => transport.endOffsets('missing')).toThrow(/"missing"/);
    expect(transport.topics()).toEqual([]);
    await transport.close();
  });

  it('grows a topic but never shrinks it, and keeps existing records', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 2 }]);
    const producer = await transport.createProducer();
    await producer.send('t', [{ key: null, value: null, partition: 1 }]);
    await transport.ensureTopics([{ topic: 't', partitions: 1 }]);
    expect(transport.topics()).toEqual([
      { topic: 't', partitions: 2, configs: { 'max.message.bytes': '1048588' } },
    ]);
    await transport.ensureTopics([{ topic: 't', partitions: 3 }]);
    expect(transport.endOffsets('t')).toEqual([0, 1, 0]);
    await expect(transport.ensureTopics([{ topic: 'u', partitions: 0 }])).rejects.toMatchObject({
      code: 'SLUICE_CONFIG_INVALID',
    });
    await transport.close();
  });

  it('assigns the new partitions of a grown topic to the group', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 1 }]);
    const assigned: number[] = [];
    const consumer = await transport.createConsumer({
      groupId: 'g',
      rebalance: {
        onAssigned: (tps) => void assigned.push(...tps.map((tp) => tp.partition)),
        onRevoked: () => {},
      },
    });
    await consumer.subscribe(['t']);
    await consumer.poll(1, 0);
    const waiting = consumer.poll(10, 5_000);
    await transport.ensureTopics([{ topic: 't', partitions: 3 }]);
    const producer = await transport.createProducer();
    await producer.send('t', [{ key: null, value: null, partition: 2 }]);
    expect((await waiting).map((r) => r.partition)).toEqual([2]);
    expect(assigned).toEqual([0, 1, 2]);
    await transport.close();
  });

  it('sets configs when a topic is created, keeps them for an existing one, and refuses a record over max.message.bytes', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([
      { topic: 'small', partitions: 1, configs: { 'max.message.bytes': '1000' } },
    ]);
    await transport.ensureTopics([
      { topic: 'small', partitions: 1, configs: { 'max.message.bytes': '9999' } },
    ]);
    expect((await transport.describeTopicConfigs('small'))['max.message.bytes']).toBe('1000');
    const producer = await transport.createProducer();
    await producer.send('small', [{ key: 'k', value: Buffer.alloc(990) }]);
    await expect(producer.send('small', [{ key: 'k', value: Buffer.alloc(1001) }])).rejects.toMatchObject({
      code: 'SLUICE_RECORD_TOO_LARGE',
      retriable: false,
    });
    // All or nothing: the valid record before the oversized one was not appended either.
    await expect(
      producer.send('small', [
        { key: 'k', value: Buffer.alloc(10) },
        { key: 'k', value: Buffer.alloc(2000) },
      ]),
    ).rejects.toMatchObject({ code: 'SLUICE_RECORD_TOO_LARGE' });
    expect(transport.endOffsets('small')).toEqual([1]);
    await transport.close();
  });
});
