import { describe, expect, it } from 'vitest';
import { EmbeddedTransport } from './index.ts';

// Hashes from apache/kafka UtilsTest.testMurmur2 (see streams/murmur2.test.ts); the partition is
// Kafka's DefaultPartitioner rule toPositive(hash) % partitions, worked out by hand here.
const KEYS: Array<[key: string, partitionOf4: number, partitionOf7: number]> = [
  ['21', 1173551340 % 4, 1173551340 % 7], // murmur2 = -973932308
  ['foobar', 1357151166 % 4, 1357151166 % 7], // murmur2 = -790332482
  ['abc', 479470107 % 4, 479470107 % 7], // murmur2 = 479470107
  ['a-little-bit-long-string', 1161502112 % 4, 1161502112 % 7], // murmur2 = -985981536
];

describe('embedded producer partitioning', () => {
  it('puts a keyed record on the partition Kafka would (string and Buffer keys alike)', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([
      { topic: 'four', partitions: 4 },
      { topic: 'seven', partitions: 7 },
    ]);
    const producer = await transport.createProducer();
    for (const [key] of KEYS) {
      await producer.send('four', [{ key, value: null }]);
      await producer.send('seven', [{ key: Buffer.from(key, 'utf8'), value: null }]);
    }
    const onFour = transport.readAll('four');
    const onSeven = transport.readAll('seven');
    for (const [key, p4, p7] of KEYS) {
      expect(onFour.find((r) => r.key?.toString() === key)?.partition, key).toBe(p4);
      expect(onSeven.find((r) => r.key?.toString() === key)?.partition, key).toBe(p7);
    }
    expect(new Set(onFour.map((r) => r.partition)).size).toBeGreaterThan(1);
    await transport.close();
  });

  it('honours an explicit partition over the key and rejects one the topic lacks, appending nothing', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 4 }]);
    const producer = await transport.createProducer();
    await producer.send('t', [{ key: 'foobar', value: null, partition: 3 }]);
    expect(transport.readPartition('t', 3).map((r) => r.key?.toString())).toEqual(['foobar']);
    const bad = producer.send('t', [
      { key: 'a', value: null },
      { key: 'b', value: null, partition: 4 },
    ]);
    await expect(bad).rejects.toMatchObject({ code: 'SLUICE_TOPIC_UNKNOWN', subject: 't[4]' });
    await expect(bad).rejects.toThrow(/partition 4 of topic "t"/);
    expect(transport.endOffsets('t')).toEqual([0, 0, 0, 1]);
    await transport.close();
  });

  it('sticks null-key records to one partition per send and moves on to the next send', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 4 }]);
    const producer = await transport.createProducer();
    for (let batch = 0; batch < 4; batch++) {
      await producer.send(
        't',
        Array.from({ length: 10 }, () => ({ key: null, value: Buffer.from([batch]) })),
      );
    }
    const records = transport.readAll('t');
    const partitionsOfBatch = new Map<number, Set<number>>();
    for (const r of records) {
      const batch = r.value![0]!;
      const set = partitionsOfBatch.get(batch) ?? new Set();
      set.add(r.partition);
      partitionsOfBatch.set(batch, set);
    }
    for (const set of partitionsOfBatch.values()) expect(set.size).toBe(1);
    expect(transport.endOffsets('t')).toEqual([10, 10, 10, 10]);
    await transport.close();
  });

  it('stores records Kafka-shaped: dense offsets per partition, Buffer headers, default timestamp', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 2 }]);
    const producer = await transport.createProducer();
    const before = Date.now();
    await producer.send('t', [
      { key: 'k', value: Buffer.from('v1'), headers: { trace: 'abc', raw: Buffer.from([1, 2]) } },
      { key: 'k', value: Buffer.from('v2'), timestampMs: 42 },
      { key: 'k', value: null },
    ]);
    const [first, second, third] = transport.readAll('t');
    expect([first!.offset, second!.offset, third!.offset]).toEqual([0, 1, 2]);
    expect(first!.headers.trace).toEqual(Buffer.from('abc'));
    expect(Buffer.isBuffer(first!.headers.trace)).toBe(true);
    expect(first!.headers.raw).toEqual(Buffer.from([1, 2]));
    expect(first!.timestampMs).toBeGreaterThanOrEqual(before);
    expect(second!.timestampMs).toBe(42);
    expect(third!.value).toBeNull();
    expect(Object.isFrozen(second!.headers)).toBe(true);
    await transport.close();
  });
});
