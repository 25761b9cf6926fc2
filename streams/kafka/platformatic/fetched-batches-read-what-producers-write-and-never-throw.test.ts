import { describe, expect, it } from 'vitest';
import type { OutgoingRecord } from '../../types.ts';
import { readFetchedBatches } from './fetched-batches.ts';
import { RecordRun, writeRecordBatch } from './record-batch-writer.ts';
import { toInputRecord, unreadableRecord } from './record-mapping.ts';
import { takeFromBatches } from './take-from-batches.ts';

const b = (text: string) => Buffer.from(text);

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
    (batch, offset, reason) => unreadableRecord('t', 0, batch, offset, reason),
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

  it('pass a batch of an old message format on as one unreadable record and move past it', () => {
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
    expect(taken.next).toBe(16);
  });

  it('pass records that cannot be walked on as one unreadable record from there, keeping those before', () => {
    const bytes = Buffer.from(written(records));
    const firstRecordLength = bytes[61]! / 2; // zig-zag, one byte
    bytes[61 + 1 + firstRecordLength] = 0x7f; // the second record's length: far past the batch
    const taken = take(section({ bytes, base: 0 }));
    expect(taken.records.map((r) => [r.offset, r.unreadable === undefined ? 'ok' : 'unreadable'])).toEqual([
      [0, 'ok'],
      [1, 'unreadable'],
    ]);
    expect(taken.records[1]!.unreadable).toMatch(/cannot be read from here on/);
    expect(taken.next).toBe(3);
  });

  it('pass a batch that fails to decompress on as one unreadable record', () => {
    const bytes = Buffer.from(written(records, 'gzip'));
    bytes.fill(0, 70, 90); // inside the gzip stream
    const taken = take(section({ bytes, base: 5 }));
    expect(taken.records).toHaveLength(1);
    expect(taken.records[0]).toMatchObject({ offset: 5, key: null, value: null });
    expect(taken.records[0]!.unreadable).toMatch(/decompress/);
    expect(taken.next).toBe(8);
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
