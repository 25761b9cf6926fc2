import { compressionsAlgorithmsByBitmask, UnsupportedCompressionError } from '@platformatic/kafka';
import { errorMessage } from '../../../core/errors.ts';
import { RecordCursor } from './record-cursor.ts';

/**
 * One record batch of a fetch answer: its header read, its records left as bytes (decompressed)
 * for the take loop to walk, so no record becomes an object before Sluice wants it.
 */
export interface FetchedBatch {
  /** The batch's base offset (exact up to 2^53). */
  firstOffset: number;
  /** Bytes after the batch's length field. */
  length: number;
  lastOffsetDelta: number;
  attributes: number;
  firstTimestamp: number;
  maxTimestamp: number;
  producerId: bigint;
  recordCount: number;
  /** The records' bytes, decompressed. */
  records: Buffer;
  /** A control batch's marker type (0 abort, 1 commit); -1 for any other batch or an unreadable marker. */
  controlType: number;
  /** Why the batch cannot be read (an old message format, a failed decompression): it is passed on as one unreadable record. */
  unreadable?: string;
  /** The batch's bytes as the broker sent them, kept only for an unreadable batch (its dead letter carries them). */
  raw?: Buffer;
  /**
   * Why this process cannot read the batch though nothing is wrong with it (a codec this Node
   * lacks): the partition waits there, so nothing is lost, and says why.
   */
  unsupported?: string;
}

const BATCH_HEAD_BYTES = 12; // baseOffset int64, batchLength int32
const RECORDS_AT = 61;
const CURRENT_MAGIC = 2;
const COMPRESSION_BITS = 0x07;
export const CONTROL_BATCH = 0x20;

/**
 * The complete batches of one partition's records section, in order. A fetch may end inside a
 * batch (the broker cuts at the byte limit): that part is left for the next fetch, as every client
 * does. Never throws on what the broker sent: a batch Sluice cannot read is marked `unreadable`.
 */
export function readFetchedBatches(section: Buffer): FetchedBatch[] {
  const batches: FetchedBatch[] = [];
  let at = 0;
  while (section.length - at >= BATCH_HEAD_BYTES) {
    const length = section.readInt32BE(at + 8);
    if (length < 0 || section.length - at - BATCH_HEAD_BYTES < length) break;
    batches.push(readBatch(section, at, at + BATCH_HEAD_BYTES + length));
    at += BATCH_HEAD_BYTES + length;
  }
  return batches;
}

function readBatch(section: Buffer, at: number, end: number): FetchedBatch {
  const firstOffset = Number(section.readBigInt64BE(at));
  const length = end - at - BATCH_HEAD_BYTES;
  const magic = end - at > 16 ? section.readInt8(at + 16) : -1;
  if (magic !== CURRENT_MAGIC || end - at < RECORDS_AT) {
    return unreadableBatch(
      firstOffset,
      length,
      `record batch with magic ${magic} (Sluice reads v2 only)`,
      section.subarray(at, end),
    );
  }
  const attributes = section.readInt16BE(at + 21);
  const batch: FetchedBatch = {
    firstOffset,
    length,
    lastOffsetDelta: section.readInt32BE(at + 23),
    attributes,
    firstTimestamp: Number(section.readBigInt64BE(at + 27)),
    maxTimestamp: Number(section.readBigInt64BE(at + 35)),
    producerId: section.readBigInt64BE(at + 43),
    recordCount: section.readInt32BE(at + 57),
    records: section.subarray(at + RECORDS_AT, end),
    controlType: -1,
  };
  const compression = attributes & COMPRESSION_BITS;
  if (compression !== 0) {
    const algorithm =
      compressionsAlgorithmsByBitmask[compression as keyof typeof compressionsAlgorithmsByBitmask];
    const raw = section.subarray(at, end);
    if (!algorithm)
      return { ...batch, raw, unreadable: `record batch compressed with unknown codec ${compression}` };
    if (algorithm.available === false) return { ...batch, unsupported: unsupportedCodec(compression) };
    try {
      batch.records = algorithm.decompressSync(batch.records);
    } catch (error) {
      if (error instanceof UnsupportedCompressionError)
        return { ...batch, unsupported: unsupportedCodec(compression) };
      return { ...batch, raw, unreadable: `record batch could not be decompressed: ${errorMessage(error)}` };
    }
  }
  if (attributes & CONTROL_BATCH) batch.controlType = markerType(batch.records);
  return batch;
}

function unsupportedCodec(compression: number): string {
  const name = compression === 4 ? 'zstd' : `codec ${compression}`;
  return `record batch compressed with ${name}, which this Node (${process.version}) cannot decompress; run Node >= 22.15 or transport.kafka.client "confluent"`;
}

function unreadableBatch(firstOffset: number, length: number, reason: string, raw: Buffer): FetchedBatch {
  return {
    firstOffset,
    length,
    lastOffsetDelta: 0,
    attributes: 0,
    firstTimestamp: 0,
    maxTimestamp: 0,
    producerId: -1n,
    recordCount: 0,
    records: Buffer.alloc(0),
    controlType: -1,
    unreadable: reason,
    raw,
  };
}

/** A control record's key: version int16, then the type int16 (0 abort, 1 commit). */
function markerType(records: Buffer): number {
  try {
    const cursor = new RecordCursor(records);
    cursor.varInt(); // length
    cursor.skip(1); // attributes
    cursor.varLong(); // timestamp delta
    cursor.varInt(); // offset delta
    const key = cursor.bytes();
    return key !== null && key.length >= 4 ? key.readInt16BE(2) : -1;
  } catch {
    return -1;
  }
}
