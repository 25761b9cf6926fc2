import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  byPartition,
  openConfluentTransport,
  openKafkajsTransport,
  openPlatformaticTransport,
  readTopicToEnd,
  uniqueName,
} from '../../tests/support/kafka-harness.ts';
import { kafkaPartitionForKey } from '../murmur2.ts';
import type { OutgoingRecord } from '../types.ts';
import type { KafkaConfig } from './kafka-config.ts';

type Opened =
  | Awaited<ReturnType<typeof openConfluentTransport>>
  | Awaited<ReturnType<typeof openKafkajsTransport>>
  | Awaited<ReturnType<typeof openPlatformaticTransport>>;
type Client = 'confluent' | 'platformatic' | 'kafkajs';
const OPEN: Record<Client, (overrides?: Partial<KafkaConfig>) => Promise<Opened>> = {
  confluent: (overrides) => openConfluentTransport(overrides),
  platformatic: (overrides) => openPlatformaticTransport(overrides),
  kafkajs: (overrides) => openKafkajsTransport(overrides),
};
// Who writes the gzip-compressed records each client reads back.
const GZIP_WRITER: Record<Client, Client> = {
  confluent: 'platformatic',
  platformatic: 'kafkajs',
  kafkajs: 'confluent',
};

describe.each(['confluent', 'platformatic', 'kafkajs'] as const)('the %s transport round trip', (client) => {
  let transport: Opened;
  beforeAll(async () => {
    transport = await OPEN[client]();
  });
  afterAll(() => transport?.close());

  it('keeps keys, values, headers, timestamps and explicit partitions, and partitions keys like Kafka', async () => {
    const topic = uniqueName(`round-trip-${client}`);
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

    const records = await readTopicToEnd(transport, topic);
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

  it('creates a topic named twice once, with the larger count, and rejects a bad spec naming it', async () => {
    const topic = uniqueName(`twice-${client}`);
    await transport.ensureTopics([
      { topic, partitions: 2 },
      { topic, partitions: 3 },
    ]);
    expect(await transport.endOffsets(topic)).toHaveLength(3);
    await expect(transport.ensureTopics([{ topic: 'bad-count', partitions: 0 }])).rejects.toMatchObject({
      code: 'SLUICE_CONFIG_INVALID',
      message: expect.stringContaining('"bad-count"'),
    });
  });

  it('lets instances create the same new topics at once (replicas starting together)', async () => {
    const others = await Promise.all([OPEN[client](), OPEN[client]()]);
    try {
      const specs = Array.from({ length: 12 }, (_, i) => ({
        topic: uniqueName(`race-${i}-${client}`),
        partitions: 3,
      }));
      await Promise.all([transport, ...others].map((t) => t.ensureTopics(specs)));
      for (const { topic } of specs) expect(await transport.endOffsets(topic)).toHaveLength(3);
    } finally {
      await Promise.all(others.map((t) => t.close()));
    }
  });

  it('reads back what a gzip-compressing producer of the other client wrote', async () => {
    const other = GZIP_WRITER[client];
    const gzip = await OPEN[other]({ compression: 'gzip' });
    try {
      const topic = uniqueName(`gzip-${other}-to-${client}`);
      await gzip.ensureTopics([{ topic, partitions: 2 }]);
      const producer = await gzip.createProducer();
      const values = Array.from({ length: 100 }, (_, i) => `compressible ${'x'.repeat(200)} ${i}`);
      await producer.send(
        topic,
        values.map((v) => ({ key: v.slice(-3), value: Buffer.from(v) })),
      );
      await producer.close();
      const records = await readTopicToEnd(transport, topic);
      expect(records.map((r) => r.value!.toString()).sort()).toEqual([...values].sort());
    } finally {
      await gzip.close();
    }
  });
});

describe('compression codecs', () => {
  it('kafkajs refuses the codecs it lacks, naming the key', async () => {
    await expect(openKafkajsTransport({ compression: 'zstd' })).rejects.toThrow(
      /transport\.kafka\.compression/,
    );
  });

  it('@platformatic/kafka refuses zstd on this Node (it needs node:zlib zstd), naming the key', async () => {
    const zlib = (await import('node:zlib')) as { zstdCompressSync?: unknown };
    const needs = typeof zlib.zstdCompressSync !== 'function';
    if (needs) {
      await expect(openPlatformaticTransport({ compression: 'zstd' })).rejects.toThrow(
        /transport\.kafka\.compression/,
      );
    } else {
      await expect(openPlatformaticTransport({ compression: 'zstd' })).resolves.toBeDefined();
    }
  });

  it('snappy and lz4 written by @platformatic/kafka are read back by the Confluent client and by itself', async () => {
    for (const compression of ['snappy', 'lz4'] as const) {
      const writer = await openPlatformaticTransport({ compression });
      const confluent = await openConfluentTransport();
      try {
        const topic = uniqueName(`codec-platformatic-${compression}`);
        await writer.ensureTopics([{ topic, partitions: 1 }]);
        const producer = await writer.createProducer();
        const value = `${compression} ${'z'.repeat(500)}`;
        await producer.send(topic, [{ key: 'k', value: Buffer.from(value) }]);
        await producer.close();
        for (const reader of [confluent, writer]) {
          const records = await readTopicToEnd(reader, topic);
          expect(records.map((r) => r.value!.toString())).toEqual([value]);
        }
      } finally {
        await writer.close();
        await confluent.close();
      }
    }
  });

  it('the Confluent client writes zstd and lz4 that it reads back', async () => {
    for (const compression of ['zstd', 'lz4'] as const) {
      const transport = await openConfluentTransport({ compression });
      try {
        const topic = uniqueName(`codec-${compression}`);
        await transport.ensureTopics([{ topic, partitions: 1 }]);
        const producer = await transport.createProducer();
        await producer.send(topic, [{ key: 'k', value: Buffer.from(`${compression} ${'y'.repeat(500)}`) }]);
        await producer.close();
        const records = await readTopicToEnd(transport, topic);
        expect(records.map((r) => r.value!.toString())).toEqual([`${compression} ${'y'.repeat(500)}`]);
      } finally {
        await transport.close();
      }
    }
  });
});
