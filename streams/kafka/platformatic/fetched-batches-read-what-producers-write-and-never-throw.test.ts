import { compressionsAlgorithms, Reader } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import type { OutgoingRecord } from '../../types.ts';
import { parseFetchResponse } from './fetch-response.ts';
import { readFetchedBatches } from './fetched-batches.ts';
import { RecordRun, writeRecordBatch } from './record-batch-writer.ts';
import { toInputRecord, unreadableRecord } from './record-mapping.ts';
import { takeFromBatches } from './take-from-batches.ts';

const b = (text: string) => Buffer.from(text);

/** `value` as a big-endian signed integer of `bytes` bytes. */
function int(value: number, bytes: number): number[] {
  const out = Buffer.alloc(bytes);
  if (bytes === 8) out.writeBigInt64BE(BigInt(value));
  else out.writeIntBE(value, 0, bytes);
  return [...out];
}

function written(records: OutgoingRecord[], compression = 'none'): Buffer {
  return writeRecordBatch([{ topic: 't', partition: 0, value: new RecordRun(records) }], {
    compression,
    baseSequence: 0,
    transactional: false,
  });
}

/** A fetched section: batches as the broker sends them, base offsets set. */
function section(...batches: Array<{ bytes: Buffer; base: number }>): Buffer {
  return Buffer.concat(
    batches.map(({ bytes, base }) => {
      const copy = Buffer.from(bytes);
      copy.writeBigInt64BE(BigInt(base), 0);
      return copy;
    }),
  );
}

function take(bytes: Buffer, from = 0) {
  return takeFromBatches(
    readFetchedBatches(bytes),
    from,
    1000,
    (batch, record) => toInputRecord('t', 0, batch, record),
    (batch, offset, reason, bytes) => unreadableRecord('t', 0, batch, offset, reason, undefined, bytes),
  );
}

const records: OutgoingRecord[] = [
  { key: 'k1', value: b('v1'), timestampMs: 1_700_000_000_000, headers: { trace: b('00-ab'), empty: '' } },
  { key: null, value: null, timestampMs: 1_700_000_000_007 },
  { key: b('k3'), value: b('x'.repeat(5000)), timestampMs: 1_699_999_999_990 },
];

describe('fetched record batches', () => {
  it('read back keys, values, headers, offsets and timestamps, with every codec', () => {
    for (const compression of ['none', 'gzip', 'snappy', 'lz4']) {
      const taken = take(section({ bytes: written(records, compression), base: 40 }));
      expect(taken.next).toBe(43);
      expect(
        taken.records.map((r) => ({
          offset: r.offset,
          key: r.key?.toString() ?? null,
          value: r.value?.toString().slice(0, 3) ?? null,
          headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.toString()])),
          timestampMs: r.timestampMs,
        })),
        compression,
      ).toEqual([
        {
          offset: 40,
          key: 'k1',
          value: 'v1',
          headers: { trace: '00-ab', empty: '' },
          timestampMs: 1_700_000_000_000,
        },
        { offset: 41, key: null, value: null, headers: {}, timestampMs: 1_700_000_000_007 },
        { offset: 42, key: 'k3', value: 'xxx', headers: {}, timestampMs: 1_699_999_999_990 },
      ]);
    }
  });

  it('leave a batch the fetch cut short for the next fetch', () => {
    const whole = written(records);
    const cut = section({ bytes: whole, base: 0 }, { bytes: whole, base: 3 }).subarray(
      0,
      whole.length * 2 - 7,
    );
    const batches = readFetchedBatches(cut);
    expect(batches.map((batch) => batch.firstOffset)).toEqual([0]);
    expect(take(cut).next).toBe(3);
  });

  it('pass a batch of an old message format on as one unreadable record with its bytes, and move past it', () => {
    const old = Buffer.from(written(records));
    old.writeInt8(1, 16); // magic 1
    const taken = take(section({ bytes: old, base: 10 }, { bytes: written(records), base: 13 }));
    expect(taken.records.map((r) => [r.offset, r.unreadable !== undefined])).toEqual([
      [10, true],
      [13, false],
      [14, false],
      [15, false],
    ]);
    expect(taken.records[0]!.unreadable).toMatch(/magic 1/);
    expect(taken.records[0]!.value?.subarray(8).equals(old.subarray(8))).toBe(true);
    expect(taken.next).toBe(16);
  });

  it('pass records that cannot be walked on as one unreadable record for the rest of the batch, keeping those before', () => {
    const bytes = Buffer.from(written(records));
    const firstRecordLength = bytes[61]! / 2; // zig-zag, one byte
    bytes[61 + 1 + firstRecordLength] = 0x7f; // the second record's length: far past the batch
    const taken = take(section({ bytes, base: 0 }));
    // The dead letter carries the range's last offset, so committing past it commits past the range.
    expect(taken.records.map((r) => [r.offset, r.unreadable === undefined ? 'ok' : 'unreadable'])).toEqual([
      [0, 'ok'],
      [2, 'unreadable'],
    ]);
    expect(taken.records[1]!.unreadable).toMatch(/^offsets 1-2: .*cannot be read from here on/);
    expect(taken.records[1]!.value?.[0]).toBe(0x7f);
    expect(taken.next).toBe(3);
  });

  it('pass a batch that fails to decompress on as one unreadable record', () => {
    const bytes = Buffer.from(written(records, 'gzip'));
    bytes.fill(0, 70, 90); // inside the gzip stream
    const taken = take(section({ bytes, base: 5 }));
    expect(taken.records).toHaveLength(1);
    expect(taken.records[0]).toMatchObject({ offset: 7, key: null });
    expect(taken.records[0]!.value?.length).toBe(bytes.length);
    expect(taken.records[0]!.unreadable).toMatch(/^offsets 5-7: .*decompress/);
    expect(taken.next).toBe(8);
  });

  it('hold the partition before a batch whose codec this Node lacks (zstd on Node 20), losing nothing', () => {
    const zstd = Buffer.from(written(records));
    zstd.writeInt16BE(zstd.readInt16BE(21) | 0x04, 21);
    const taken = take(section({ bytes: written(records), base: 0 }, { bytes: zstd, base: 3 }), 1);
    if (compressionsAlgorithms.zstd.available) {
      // A Node with zstd reads the codec: these bytes are then simply not a zstd frame.
      expect(taken.records.map((r) => [r.offset, r.unreadable !== undefined])).toEqual([
        [1, false],
        [2, false],
        [5, true],
      ]);
      return;
    }
    expect(taken.records.map((r) => r.offset)).toEqual([1, 2]);
    expect(taken.next).toBe(3);
    expect(taken.blocked).toMatch(/zstd/);
  });

  it('skip tagged fields of a partition answer, so the partitions after it are read right (KIP-951)', () => {
    const partition = (index: number, errorCode: number, tagged: number[]) => [
      ...int(index, 4),
      ...int(errorCode, 2),
      ...int(100, 8),
      ...int(100, 8),
      ...int(0, 8),
      1, // no aborted transactions
      ...int(-1, 4),
      0, // no records
      ...tagged,
    ];
    // NOT_LEADER_OR_FOLLOWER (6) with a CurrentLeader tagged field: tag 1, 12 bytes.
    const currentLeader = [1, 1, 12, ...int(2, 4), ...int(7, 4), ...int(0, 4)];
    const body = Buffer.from([
      ...int(0, 4),
      ...int(0, 2),
      ...int(0, 4),
      2, // one topic
      ...new Array(16).fill(9),
      3, // two partitions
      ...partition(0, 6, currentLeader),
      ...partition(1, 0, [0]),
      0, // topic tagged fields
      0, // response tagged fields
    ]);
    const answer = parseFetchResponse(1, 1, 17, Reader.from(body));
    expect(answer.responses[0]!.partitions.map((p) => [p.partitionIndex, p.errorCode])).toEqual([
      [0, 6],
      [1, 0],
    ]);
  });

  it('wrap the idempotence sequence from 2^31 - 1 to 0, as the broker counts', () => {
    const bytes = writeRecordBatch([{ topic: 't', partition: 0, value: new RecordRun(records) }], {
      baseSequence: 2 ** 31 + 5,
      transactional: false,
    });
    expect(bytes.readInt32BE(53)).toBe(5);
  });

  it('give the broker append time to every record of a LogAppendTime batch', () => {
    const bytes = Buffer.from(written(records));
    bytes.writeInt16BE(bytes.readInt16BE(21) | 0x08, 21);
    bytes.writeBigInt64BE(1_800_000_000_000n, 35);
    expect(take(section({ bytes, base: 0 })).records.map((r) => r.timestampMs)).toEqual([
      1_800_000_000_000, 1_800_000_000_000, 1_800_000_000_000,
    ]);
  });
});
