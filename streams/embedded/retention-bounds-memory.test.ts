import { describe, expect, it } from 'vitest';
import type { OutgoingRecord, TopicPartition } from '../types.ts';
import { EmbeddedTransport } from './index.ts';

const quiet = { onAssigned: (_: TopicPartition[]) => {}, onRevoked: (_: TopicPartition[]) => {} };

function batch(from: number, count: number): OutgoingRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: null,
    value: Buffer.from(String(from + i)),
    partition: 0,
  }));
}

describe('retention', () => {
  it('keeps between retention and 1.25 × retention records and advances log start', async () => {
    const transport = new EmbeddedTransport({ retentionRecords: 100 });
    await transport.ensureTopics([{ topic: 't', partitions: 1 }]);
    const producer = await transport.createProducer();
    let maxKept = 0;
    for (let i = 0; i < 1_000; i += 10) {
      await producer.send('t', batch(i, 10));
      maxKept = Math.max(maxKept, transport.readAll('t').length);
    }
    const kept = transport.readAll('t');
    expect(maxKept).toBeLessThanOrEqual(125);
    expect(kept.length).toBeGreaterThanOrEqual(100);
    expect(transport.endOffsets('t')).toEqual([1_000]);
    expect(transport.logStartOffsets('t')).toEqual([1_000 - kept.length]);
    // What is kept is the newest, still dense and in order.
    kept.forEach((r, i) => {
      expect(r.offset).toBe(1_000 - kept.length + i);
      expect(r.value?.toString()).toBe(String(r.offset));
    });
    await transport.close();
  });

  it('moves a consumer that fell below log start up to it, and counts the truncated read', async () => {
    const transport = new EmbeddedTransport({ retentionRecords: 100 });
    await transport.ensureTopics([{ topic: 't', partitions: 1 }]);
    const producer = await transport.createProducer();
    await producer.send('t', batch(0, 50));
    const consumer = await transport.createConsumer({ groupId: 'g', rebalance: quiet });
    await consumer.subscribe(['t']);
    const first = await consumer.poll(10, 0);
    expect(first.map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(transport.truncatedReads).toBe(0);

    for (let i = 50; i < 1_000; i += 50) await producer.send('t', batch(i, 50));
    const start = transport.logStartOffsets('t')[0]!;
    expect(start).toBeGreaterThan(10);
    const next = await consumer.poll(5, 0);
    expect(next.map((r) => r.offset)).toEqual([start, start + 1, start + 2, start + 3, start + 4]);
    expect(transport.truncatedReads).toBe(1);
    expect(transport.truncatedRecords).toBe(start - 10);
    await transport.close();
  });

  it('starts a new group with an expired committed offset at log start', async () => {
    const transport = new EmbeddedTransport({ retentionRecords: 8 });
    await transport.ensureTopics([{ topic: 't', partitions: 1 }]);
    const producer = await transport.createProducer();
    await producer.send('t', batch(0, 5));
    const early = await transport.createConsumer({ groupId: 'g', rebalance: quiet });
    await early.subscribe(['t']);
    await early.poll(1, 0);
    await early.commit([{ topic: 't', partition: 0, offset: 1 }]);
    await early.close();
    await producer.send('t', batch(5, 40));
    const late = await transport.createConsumer({ groupId: 'g', rebalance: quiet });
    await late.subscribe(['t']);
    const records = await late.poll(100, 0);
    expect(records[0]!.offset).toBe(transport.logStartOffsets('t')[0]);
    expect(records.at(-1)!.offset).toBe(44);
    expect(transport.truncatedReads).toBe(1);
    await transport.close();
  });
});
