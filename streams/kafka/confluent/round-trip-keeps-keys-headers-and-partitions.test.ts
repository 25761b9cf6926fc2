import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  byPartition,
  openConfluentTransport,
  readWholeTopic,
  uniqueName,
} from '../../../tests/support/kafka-harness.ts';
import { kafkaPartitionForKey } from '../../murmur2.ts';
import type { OutgoingRecord } from '../../types.ts';
import type { ConfluentTransport } from './index.ts';

let transport: ConfluentTransport;

beforeAll(async () => {
  transport = await openConfluentTransport();
});
afterAll(() => transport?.close());

describe('the Confluent transport round trip', () => {
  it('keeps keys, values, headers, timestamps and explicit partitions, and partitions keys like Kafka', async () => {
    const topic = uniqueName('round-trip');
    await transport.ensureTopics([{ topic, partitions: 4 }]);
    const keyed: OutgoingRecord[] = Array.from({ length: 200 }, (_, i) => ({
      key: i % 2 === 0 ? `user-${i % 37}` : Buffer.from(`user-${i % 37}`),
      value: Buffer.from(`v${i}`),
      headers: { traceparent: `00-${i}`, bin: Buffer.from([0, 255, i % 256]) },
    }));
    const explicit: OutgoingRecord[] = Array.from({ length: 20 }, (_, i) => ({
      key: 'pinned',
      value: Buffer.from(`p${i}`),
      partition: 3,
      timestampMs: 1_700_000_000_000 + i,
    }));
    const unkeyed: OutgoingRecord[] = [{ key: null, value: null }];
    const producer = await transport.createProducer();
    await producer.send(topic, keyed);
    await producer.send(topic, explicit);
    await producer.send(topic, unkeyed);
    await producer.close();

    const records = await readWholeTopic(transport, topic);
    expect(records).toHaveLength(221);

    for (const r of records.filter((r) => r.value?.toString().startsWith('v'))) {
      const i = Number(r.value!.toString().slice(1));
      expect(r.key).toEqual(Buffer.from(`user-${i % 37}`));
      expect(r.partition).toBe(kafkaPartitionForKey(r.key!, 4));
      expect(r.headers.traceparent).toEqual(Buffer.from(`00-${i}`));
      expect(r.headers.bin).toEqual(Buffer.from([0, 255, i % 256]));
      expect(r.timestampMs).toBeGreaterThan(Date.now() - 120_000);
    }
    const pinned = records.filter((r) => r.value?.toString().startsWith('p'));
    expect(pinned.map((r) => r.partition)).toEqual(new Array(20).fill(3));
    expect(pinned.map((r) => r.timestampMs)).toEqual(explicit.map((r) => r.timestampMs));
    expect(pinned.map((r) => r.value!.toString())).toEqual(explicit.map((r) => r.value!.toString()));
    const empty = records.find((r) => r.value === null);
    expect(empty).toMatchObject({ key: null, value: null, headers: {} });

    // Offsets are contiguous from 0 and in order within each partition.
    for (const list of byPartition(records).values()) {
      expect(list.map((r) => r.offset)).toEqual(list.map((_, i) => i));
    }
    // Sends keep their order per key across calls.
    const userValues = records
      .filter((r) => r.key?.toString() === 'user-5')
      .map((r) => Number(r.value!.toString().slice(1)));
    expect(userValues).toEqual([...userValues].sort((a, b) => a - b));
  });
});
