import { describe, expect, it } from 'vitest';
import { fetchedBatch as batch } from '../../../tests/support/fetched-batch.ts';
import type { InputRecord } from '../../types.ts';
import { toInputRecord, unreadableRecord } from './record-mapping.ts';
import { type MapOne, takeFromBatches, type UnreadableRest } from './take-from-batches.ts';

const CONTROL = 0x20;

const map: MapOne = (b, record) => toInputRecord('t', 0, b, record);
const unreadable: UnreadableRest = (b, offset, reason) => unreadableRecord('t', 0, b, offset, reason);
const offsets = (records: InputRecord[]) => records.map((r) => r.offset);

describe('taking a partition’s fetched batches', () => {
  it('hands on every record from the position and moves past the last batch', () => {
    const taken = takeFromBatches([batch(10, [0, 1, 2]), batch(13, [0, 1])], 10, 100, map, unreadable);
    expect(offsets(taken.records)).toEqual([10, 11, 12, 13, 14]);
    expect(taken.next).toBe(15);
  });

  it('stops at the room left and starts the next fetch at the first record left out', () => {
    const taken = takeFromBatches([batch(10, [0, 1, 2]), batch(13, [0, 1])], 10, 4, map, unreadable);
    expect(offsets(taken.records)).toEqual([10, 11, 12, 13]);
    expect(taken.next).toBe(14);
    const none = takeFromBatches([batch(10, [0, 1, 2])], 10, 0, map, unreadable);
    expect(none).toEqual({ records: [], next: 10 });
  });

  it('skips what a compressed batch holds before the position, and batches wholly before it', () => {
    const taken = takeFromBatches([batch(0, [0, 1, 2, 3]), batch(4, [0, 1, 2, 3])], 6, 100, map, unreadable);
    expect(offsets(taken.records)).toEqual([6, 7]);
    expect(taken.next).toBe(8);
  });

  it('passes over control batches and offsets compacted away', () => {
    const marker = batch(3, [0], { attributes: CONTROL });
    const compacted = batch(4, [0, 3], { lastDelta: 5 });
    const taken = takeFromBatches([batch(0, [0, 1, 2]), marker, compacted], 0, 100, map, unreadable);
    expect(offsets(taken.records)).toEqual([0, 1, 2, 4, 7]);
    expect(taken.next).toBe(10);
    const onlyMarker = takeFromBatches([marker], 3, 100, map, unreadable);
    expect(onlyMarker).toEqual({ records: [], next: 4 });
  });

  it('stops before a record the mapper refuses, so it is fetched again', () => {
    const refuse11: MapOne = (b, record) => (record.offset === 11 ? undefined : map(b, record));
    const taken = takeFromBatches([batch(10, [0, 1, 2])], 10, 100, refuse11, unreadable);
    expect(offsets(taken.records)).toEqual([10]);
    expect(taken.next).toBe(11);
  });
});
