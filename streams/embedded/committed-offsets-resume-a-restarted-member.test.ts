import { describe, expect, it } from 'vitest';
import type { InputRecord, TopicPartition, TopicPartitionOffset } from '../types.ts';
import { EmbeddedTransport } from './index.ts';

const quiet = { onAssigned: (_: TopicPartition[]) => {}, onRevoked: (_: TopicPartition[]) => {} };

function nextOffsets(records: InputRecord[]): TopicPartitionOffset[] {
  const last = new Map<number, number>();
  for (const r of records) last.set(r.partition, r.offset);
  return [...last].map(([partition, offset]) => ({ topic: 't', partition, offset: offset + 1 }));
}

async function withRecords() {
  const transport = new EmbeddedTransport();
  await transport.ensureTopics([{ topic: 't', partitions: 2 }]);
  const producer = await transport.createProducer();
  await producer.send(
    't',
    Array.from({ length: 100 }, (_, i) => ({ key: null, value: null, partition: i % 2 })),
  );
  return { transport, producer };
}

describe('committed offsets', () => {
  it('resume a restarted member where the group committed, not where it had read to', async () => {
    const { transport } = await withRecords();
    const first = await transport.createConsumer({ groupId: 'g', rebalance: quiet });
    await first.subscribe(['t']);
    const read = await first.poll(40, 0);
    expect(read).toHaveLength(40);
    // Commit only the first 30 of what was read: the other 10 were "in flight" at the crash.
    await first.commit(nextOffsets(read.slice(0, 30)));
    const committed = transport.committedOffsets('g', 't');
    expect(committed.every((o) => o !== null)).toBe(true);
    await first.close();

    const restarted = await transport.createConsumer({ groupId: 'g', rebalance: quiet });
    await restarted.subscribe(['t']);
    const resumed = await restarted.poll(1_000, 0);
    for (const partition of [0, 1]) {
      const offsets = resumed.filter((r) => r.partition === partition).map((r) => r.offset);
      expect(offsets[0]).toBe(committed[partition]);
      expect(offsets.at(-1)).toBe(49);
    }
    expect(resumed.length).toBe(100 - committed[0]! - committed[1]!);
    await transport.close();
  });

  it('lets another group read from the beginning, independently', async () => {
    const { transport } = await withRecords();
    const a = await transport.createConsumer({ groupId: 'a', rebalance: quiet });
    await a.subscribe(['t']);
    const readA = await a.poll(1_000, 0);
    await a.commit(nextOffsets(readA));
    const b = await transport.createConsumer({ groupId: 'b', rebalance: quiet });
    await b.subscribe(['t']);
    const readB = await b.poll(1_000, 0);
    expect(readB).toHaveLength(100);
    // Same immutable record objects are handed to every group.
    expect(readB.find((r) => r.partition === 0 && r.offset === 7)).toBe(
      readA.find((r) => r.partition === 0 && r.offset === 7),
    );
    expect(transport.committedOffsets('a', 't')).toEqual([50, 50]);
    expect(transport.committedOffsets('b', 't')).toEqual([null, null]);
    await transport.close();
  });

  it('starts a new group at the log end when fromBeginning is false', async () => {
    const { transport, producer } = await withRecords();
    const tail = await transport.createConsumer({ groupId: 'tail', rebalance: quiet, fromBeginning: false });
    await tail.subscribe(['t']);
    expect(await tail.poll(100, 0)).toEqual([]);
    await producer.send('t', [{ key: null, value: Buffer.from('new'), partition: 1 }]);
    const records = await tail.poll(100, 0);
    expect(records.map((r) => [r.partition, r.offset])).toEqual([[1, 50]]);
    await transport.close();
  });

  it('rejects a commit past the log end and stores nothing of that commit', async () => {
    const { transport } = await withRecords();
    const c = await transport.createConsumer({ groupId: 'g', rebalance: quiet });
    await c.subscribe(['t']);
    await c.poll(1, 0);
    await expect(
      c.commit([
        { topic: 't', partition: 0, offset: 10 },
        { topic: 't', partition: 1, offset: 51 },
      ]),
    ).rejects.toMatchObject({ code: 'SLUICE_COMMIT_REJECTED', subject: 't[1]' });
    expect(transport.committedOffsets('g', 't')).toEqual([null, null]);
    await expect(c.commit([{ topic: 'nope', partition: 0, offset: 1 }])).rejects.toMatchObject({
      code: 'SLUICE_TOPIC_UNKNOWN',
    });
    await transport.close();
  });
});
