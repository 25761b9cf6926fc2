import type { KafkaRecord, RecordsBatch } from '@platformatic/kafka';
import { describe, expect, it } from 'vitest';
import type { InputRecord } from '../../types.ts';
import { type MapOne, takeFromBatches } from './take-from-batches.ts';

const CONTROL = 0x20;

/** A fetched batch from `first` whose records sit at `deltas` (gaps are offsets compacted away). */
function batch(
  first: number,
  deltas: number[],
  options: { lastDelta?: number; attributes?: number } = {},
): RecordsBatch {
  const records: KafkaRecord[] = deltas.map((offsetDelta) => ({
    length: 0,
    attributes: 0,
    timestampDelta: 0n,
    offsetDelta,
    key: null,
    value: Buffer.from(`v${first + offsetDelta}`),
    headers: [],
  }));
  return {
    firstOffset: BigInt(first),
    length: 100,
    partitionLeaderEpoch: 0,
    magic: 2,
    crc: 0,
    attributes: options.attributes ?? 0,
    lastOffsetDelta: options.lastDelta ?? deltas.at(-1) ?? 0,
    firstTimestamp: 0n,
    maxTimestamp: 0n,
    producerId: -1n,
    producerEpoch: -1,
    firstSequence: -1,
    records,
  } as RecordsBatch;
}

const map: MapOne = (_batch, base, record) =>
  ({ offset: base + record.offsetDelta, value: record.value, topic: 't', partition: 0 }) as InputRecord;
const offsets = (records: InputRecord[]) => records.map((r) => r.offset);

describe('taking a partition’s fetched batches', () => {
  it('hands on every record from the position and moves past the last batch', () => {
    const taken = takeFromBatches([batch(10, [0, 1, 2]), batch(13, [0, 1])], 10, 100, map);
    expect(offsets(taken.records)).toEqual([10, 11, 12, 13, 14]);
    expect(taken.next).toBe(15);
  });

  it('stops at the room left and starts the next fetch at the first record left out', () => {
    const taken = takeFromBatches([batch(10, [0, 1, 2]), batch(13, [0, 1])], 10, 4, map);
    expect(offsets(taken.records)).toEqual([10, 11, 12, 13]);
    expect(taken.next).toBe(14);
    const none = takeFromBatches([batch(10, [0, 1, 2])], 10, 0, map);
    expect(none).toEqual({ records: [], next: 10 });
  });

  it('skips what a compressed batch holds before the position, and batches wholly before it', () => {
    const taken = takeFromBatches([batch(0, [0, 1, 2, 3]), batch(4, [0, 1, 2, 3])], 6, 100, map);
    expect(offsets(taken.records)).toEqual([6, 7]);
    expect(taken.next).toBe(8);
  });

  it('passes over control batches and offsets compacted away', () => {
    const marker = batch(3, [0], { attributes: CONTROL });
    const compacted = batch(4, [0, 3], { lastDelta: 5 });
    const taken = takeFromBatches([batch(0, [0, 1, 2]), marker, compacted], 0, 100, map);
    expect(offsets(taken.records)).toEqual([0, 1, 2, 4, 7]);
    expect(taken.next).toBe(10);
    const onlyMarker = takeFromBatches([marker], 3, 100, map);
    expect(onlyMarker).toEqual({ records: [], next: 4 });
  });

  it('stops before a record the mapper refuses, so it is fetched again', () => {
    const refuse11: MapOne = (b, base, record) =>
      base + record.offsetDelta === 11 ? undefined : map(b, base, record);
    const taken = takeFromBatches([batch(10, [0, 1, 2])], 10, 100, refuse11);
    expect(offsets(taken.records)).toEqual([10]);
    expect(taken.next).toBe(11);
  });
});
