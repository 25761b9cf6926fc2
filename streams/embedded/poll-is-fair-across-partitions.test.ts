import { describe, expect, it } from 'vitest';
import type { TopicPartition } from '../types.ts';
import { EmbeddedTransport } from './index.ts';

const quiet = { onAssigned: (_: TopicPartition[]) => {}, onRevoked: (_: TopicPartition[]) => {} };

describe('poll fairness', () => {
  it('a hot partition does not starve the others, and batches fill up to maxRecords', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 4 }]);
    const producer = await transport.createProducer();
    await producer.send(
      't',
      Array.from({ length: 10_000 }, () => ({ key: null, value: null, partition: 0 })),
    );
    for (const partition of [1, 2, 3]) {
      await producer.send(
        't',
        Array.from({ length: 10 }, () => ({ key: null, value: null, partition })),
      );
    }
    const consumer = await transport.createConsumer({ groupId: 'g', rebalance: quiet });
    await consumer.subscribe(['t']);
    const batch = await consumer.poll(100, 0);
    expect(batch).toHaveLength(100);
    const perPartition = [0, 1, 2, 3].map((p) => batch.filter((r) => r.partition === p).length);
    expect(perPartition.slice(1)).toEqual([10, 10, 10]);
    expect(perPartition[0]).toBe(70);
    // Offsets stay in order within each partition of a batch.
    const hot = batch.filter((r) => r.partition === 0).map((r) => r.offset);
    expect(hot).toEqual(hot.toSorted((a, b) => a - b));
    const next = await consumer.poll(100, 0);
    expect(next.map((r) => r.offset)).toEqual(Array.from({ length: 100 }, (_, i) => 70 + i));
    await transport.close();
  });

  it('rotates the starting partition so equal partitions share small batches', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 3 }]);
    const producer = await transport.createProducer();
    for (const partition of [0, 1, 2]) {
      await producer.send(
        't',
        Array.from({ length: 100 }, () => ({ key: null, value: null, partition })),
      );
    }
    const consumer = await transport.createConsumer({ groupId: 'g', rebalance: quiet });
    await consumer.subscribe(['t']);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30; i++) for (const r of await consumer.poll(1, 0)) counts[r.partition]!++;
    expect(counts).toEqual([10, 10, 10]);
    await transport.close();
  });
});
