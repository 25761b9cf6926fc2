import type { FetchedBatch } from '../../streams/kafka/platformatic/fetched-batches.ts';
import { writeVarInt, zigZag } from '../../streams/kafka/platformatic/record-batch-writer.ts';

function varInt(n: number): number[] {
  const out = Buffer.alloc(10);
  return [...out.subarray(0, writeVarInt(out, 0, zigZag(n)))];
}

function bytesField(bytes: Buffer | null): number[] {
  return bytes === null ? varInt(-1) : [...varInt(bytes.length), ...bytes];
}

/** The v2 bytes of records at `deltas` from the batch's base: value `v<offset>`, no key, no headers. */
export function recordBytes(first: number, deltas: readonly number[]): Buffer {
  const out: number[] = [];
  for (const delta of deltas) {
    const body = [
      0,
      ...varInt(0),
      ...varInt(delta),
      ...bytesField(null),
      ...bytesField(Buffer.from(`v${first + delta}`)),
      ...varInt(0),
    ];
    out.push(...varInt(body.length), ...body);
  }
  return Buffer.from(out);
}

/** A fetched batch from `first` whose records sit at `deltas` (gaps are offsets compacted away). */
export function fetchedBatch(
  first: number,
  deltas: readonly number[],
  options: { lastDelta?: number; attributes?: number; controlType?: number } = {},
): FetchedBatch {
  return {
    firstOffset: first,
    length: 100,
    lastOffsetDelta: options.lastDelta ?? deltas.at(-1) ?? 0,
    attributes: options.attributes ?? 0,
    firstTimestamp: 0,
    maxTimestamp: 0,
    producerId: -1n,
    recordCount: deltas.length,
    records: recordBytes(first, deltas),
    controlType: options.controlType ?? -1,
  };
}
