import { NumericMap, produceV7, produceV11, Reader, readRecordsBatch } from '@platformatic/kafka';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createProduceRequest, type ProduceRequestOptions } from './produce-request.ts';
import { type ProduceMessage, RecordRun } from './record-batch-writer.ts';

/** A record as the client's own producer hands it to its Produce encoder. */
interface ClientMessage {
  topic: string;
  partition?: number;
  key?: Buffer | null;
  value?: Buffer | null;
  headers: Map<Buffer, Buffer>;
  timestamp?: bigint;
}

const b = (text: string) => Buffer.from(text);

/** Records of every shape: no key, no value, empty, big, headers or none. */
function messages(): ClientMessage[] {
  const big = Buffer.alloc(20_000, 7);
  return [
    {
      topic: 'preds',
      partition: 3,
      key: b('k1'),
      value: b('v1'),
      headers: new Map(),
      timestamp: 1_700_000_000_000n,
    },
    {
      topic: 'preds',
      partition: 0,
      key: null,
      value: b('v2'),
      headers: new Map(),
      timestamp: 1_700_000_000_005n,
    },
    {
      topic: 'dlq',
      partition: 1,
      key: b('k3'),
      value: null,
      headers: new Map(),
      timestamp: 1_700_000_000_001n,
    },
    {
      topic: 'preds',
      partition: 3,
      key: b(''),
      value: big,
      headers: new Map<Buffer, Buffer>([
        [b('trace'), b('00-abc')],
        [b('empty'), b('')],
      ]),
      // Earlier than the batch's first record: a negative delta.
      timestamp: 1_699_999_999_000n,
    },
    {
      topic: 'preds',
      partition: 3,
      key: b('k5'),
      value: b('é'.repeat(70)),
      headers: new Map(),
      timestamp: 1_700_000_090_000n,
    },
    { topic: 'dlq', partition: 1, value: b('v6'), headers: new Map(), timestamp: 1_700_000_000_002n },
  ];
}

/** The client's encoding of `make()`'s records one message each, and Sluice's of the same records as runs. */
function bothWrite(options: ProduceRequestOptions, make: () => ClientMessage[] = messages, version = 11) {
  const client = version === 11 ? produceV11 : produceV7;
  const theirs = client.createRequest(-1, 30_000, make() as never, options as never);
  const ours = createProduceRequest(version, -1, 30_000, runs(make()), options);
  return { theirs: theirs.buffer, ours: ours.buffer };
}

/** The same records, each partition's as one RecordRun, as Sluice's producer sends them. */
function runs(records: ClientMessage[]): ProduceMessage[] {
  const byPartition = new Map<string, ClientMessage[]>();
  for (const m of records) {
    const key = `${m.topic}:${m.partition ?? 0}`;
    byPartition.set(key, [...(byPartition.get(key) ?? []), m]);
  }
  return [...byPartition.values()].map((group) => ({
    topic: group[0]!.topic,
    partition: group[0]!.partition ?? 0,
    value: new RecordRun(
      group.map((m) => ({
        key: m.key ?? null,
        value: m.value ?? null,
        ...(m.timestamp === undefined ? {} : { timestampMs: Number(m.timestamp) }),
        ...(m.headers.size === 0
          ? {}
          : { headers: Object.fromEntries([...m.headers].map(([k, v]) => [k.toString(), v])) }),
      })),
    ),
  }));
}

describe("Sluice's Produce request encoder", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('writes the bytes the client writes, for an idempotent producer with sequences', () => {
    const sequences = new NumericMap();
    sequences.set('preds:3', 41);
    sequences.set('dlq:1', 7);
    const { theirs, ours } = bothWrite({ producerId: 9_000_000_001n, producerEpoch: 3, sequences });
    expect(ours.equals(theirs)).toBe(true);
    expect(ours.length).toBeGreaterThan(20_000);
  });

  it('writes the bytes the client writes for a broker that speaks only the older, non-flexible v7', () => {
    const sequences = new NumericMap();
    sequences.set('preds:0', 3);
    const { theirs, ours } = bothWrite({ producerId: 5n, producerEpoch: 1, sequences }, messages, 7);
    expect(ours.equals(theirs)).toBe(true);
  });

  it('writes the bytes the client writes inside a transaction', () => {
    const { theirs, ours } = bothWrite({ producerId: 12n, producerEpoch: 0, transactionalId: 'sluice-tx-1' });
    expect(ours.equals(theirs)).toBe(true);
  });

  it('writes the bytes the client writes with each compression codec', () => {
    for (const compression of ['gzip', 'snappy', 'lz4']) {
      const { theirs, ours } = bothWrite({ compression });
      expect({ compression, equal: ours.equals(theirs) }).toEqual({ compression, equal: true });
    }
  });

  it('stamps a record without a timestamp with the time of the first attempt, as the client does', () => {
    vi.useFakeTimers({ now: 1_750_000_000_000, toFake: ['Date'] });
    const unstamped = (): ClientMessage[] => [
      { topic: 't', key: b('a'), value: b('1'), headers: new Map() },
      { topic: 't', key: b('b'), value: b('2'), headers: new Map() },
    ];
    const { theirs, ours } = bothWrite({}, unstamped);
    expect(ours.equals(theirs)).toBe(true);
  });

  it('writes a record batch the client reads back: offsets, keys, values and headers', () => {
    const request = createProduceRequest(11, 1, 1000, runs(messages()), {}).buffer;
    const reader = Reader.from(request);
    expect(reader.readNullableString()).toBeNull();
    expect([reader.readInt16(), reader.readInt32()]).toEqual([1, 1000]);
    const partitions = reader.readArray((topic) => ({
      topic: topic.readString(),
      batches: topic.readArray((partition) => {
        const index = partition.readInt32();
        const bytes = partition.readUnsignedVarInt() - 1;
        const batch = readRecordsBatch(
          Reader.from(partition.buffer.subarray(partition.position, partition.position + bytes)),
        );
        partition.skip(bytes);
        return { index, batch };
      }),
    }));
    const preds = partitions.find((p) => p.topic === 'preds')!;
    expect(preds.batches.map((p) => p.index)).toEqual([0, 3]);
    const three = preds.batches[1]!.batch;
    expect(three.records.map((r) => r.offsetDelta)).toEqual([0, 1, 2]);
    expect(three.records[1]!.headers.map(([k, v]) => [k?.toString(), v?.toString() ?? null])).toEqual([
      ['trace', '00-abc'],
      ['empty', ''],
    ]);
    expect(three.firstTimestamp + three.records[1]!.timestampDelta).toBe(1_699_999_999_000n);
    expect(three.maxTimestamp).toBe(1_700_000_090_000n);
    expect(three.records[2]!.value?.toString()).toBe('é'.repeat(70));
    const dlq = partitions.find((p) => p.topic === 'dlq')!.batches[0]!.batch;
    expect(dlq.records.map((r) => [r.key?.toString() ?? null, r.value?.toString() ?? null])).toEqual([
      ['k3', null],
      [null, 'v6'],
    ]);
  });
});

describe('a message that is not a run', () => {
  it('is refused, naming its topic', () => {
    expect(() => createProduceRequest(11, -1, 1000, [{ topic: 'preds', value: b('v') }], {})).toThrow(
      /"preds" is not a RecordRun/,
    );
  });
});
