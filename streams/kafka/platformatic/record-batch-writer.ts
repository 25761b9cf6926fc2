import { compressionsAlgorithms, crc32c } from '@platformatic/kafka';
import type { OutgoingRecord } from '../../types.ts';

type Bytes = Buffer | string | null | undefined;

/**
 * A message as the client's producer hands it to the Produce API, partition assigned. Sluice's
 * producer sends only `RecordRun` values; anything else is refused by `writeRecordBatch`.
 */
export interface ProduceMessage {
  topic: string;
  partition?: number;
  value?: unknown;
}

/**
 * Records of one partition that travel through the client's producer as the value of one message
 * (Sluice's producer sends them so), and are written here as that many records: the client's
 * per-message work (two Maps, a partition lookup and a string key a record) is paid once a run.
 */
export class RecordRun {
  readonly records: readonly OutgoingRecord[];
  /** The time of the first attempt, for records without a timestamp: a retried batch keeps it. */
  stampMs: number | undefined;

  constructor(records: readonly OutgoingRecord[]) {
    this.records = records;
  }
}

/** What a record batch carries besides its records. */
export interface BatchOptions {
  compression?: string | undefined;
  producerId?: bigint | undefined;
  producerEpoch?: number | undefined;
  baseSequence: number;
  transactional: boolean;
}

// Record batch v2: baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8,
// crc uint32, then the CRC'd part: attributes int16, lastOffsetDelta int32, firstTimestamp int64,
// maxTimestamp int64, producerId int64, producerEpoch int16, baseSequence int32, count int32.
const BATCH_HEADER_BYTES = 61;
const CRC_FROM = 21;
const MAGIC = 2;
const IS_TRANSACTIONAL = 1 << 4;

/** The records a message stands for: a run's. */
export function recordCount(message: ProduceMessage): number {
  return runOf(message).records.length;
}

function runOf(message: ProduceMessage): RecordRun {
  if (message.value instanceof RecordRun) return message.value;
  throw new TypeError(
    `kafka produce: a message to "${message.topic}" is not a RecordRun (Sluice's producer sends only runs)`,
  );
}

/**
 * One partition's runs as a v2 record batch, CRC and all, written into one buffer: sized first,
 * then written, so no record needs a buffer of its own. A record without a timestamp gets its
 * run's first-attempt time, so a retried batch is the same batch.
 */
export function writeRecordBatch(messages: readonly ProduceMessage[], options: BatchOptions): Buffer {
  const now = Date.now();
  const runs = messages.map(runOf);
  for (const run of runs) run.stampMs ??= now;
  const first = runs.find((run) => run.records.length > 0);
  const firstTimestamp = first ? (first.records[0]!.timestampMs ?? first.stampMs!) : now;
  let maxTimestamp = firstTimestamp;
  let count = 0;
  for (const run of runs) count += run.records.length;

  const sizes = new Array<number>(count);
  let recordsBytes = 0;
  let delta = 0;
  for (const run of runs) {
    for (const record of run.records) {
      const timestamp = record.timestampMs ?? run.stampMs!;
      if (timestamp > maxTimestamp) maxTimestamp = timestamp;
      const size = recordBodySize(record, timestamp - firstTimestamp, delta);
      sizes[delta++] = size;
      recordsBytes += varIntSize(zigZag(size)) + size;
    }
  }

  // Records are written in place after the header; only a compressed batch needs a second buffer.
  let batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + recordsBytes);
  let at = BATCH_HEADER_BYTES;
  delta = 0;
  for (const run of runs) {
    for (const record of run.records) {
      at = writeVarInt(batch, at, zigZag(sizes[delta]!));
      at = writeRecordBody(batch, at, record, (record.timestampMs ?? run.stampMs!) - firstTimestamp, delta++);
    }
  }

  let attributes = options.transactional ? IS_TRANSACTIONAL : 0;
  const compression = options.compression ?? 'none';
  if (compression !== 'none') {
    const algorithm = compressionsAlgorithms[compression as keyof typeof compressionsAlgorithms];
    if (!algorithm) throw new Error(`kafka produce: unsupported compression "${compression}"`);
    attributes |= algorithm.bitmask;
    const compressed = algorithm.compressSync(batch.subarray(BATCH_HEADER_BYTES));
    batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + compressed.length);
    compressed.copy(batch, BATCH_HEADER_BYTES);
  }

  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(0, 12); // partitionLeaderEpoch: the broker sets it; the client writes 0.
  batch.writeInt8(MAGIC, 16);
  batch.writeInt16BE(attributes, 21);
  batch.writeInt32BE(count - 1, 23);
  batch.writeBigInt64BE(BigInt(firstTimestamp), 27);
  batch.writeBigInt64BE(BigInt(maxTimestamp), 35);
  batch.writeBigInt64BE(options.producerId ?? -1n, 43);
  batch.writeInt16BE(options.producerEpoch ?? 0, 51);
  // Sequences wrap from 2^31 - 1 to 0, as the broker and Java's producer count them.
  batch.writeInt32BE(options.baseSequence % 0x80000000, 53);
  batch.writeInt32BE(count, 57);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_FROM)), 17);
  return batch;
}

/** A record's bytes after its length: attributes, deltas, key, value, headers. */
function recordBodySize(record: OutgoingRecord, timestampDelta: number, offsetDelta: number): number {
  let size = 1 + varIntSize(zigZag(timestampDelta)) + varIntSize(zigZag(offsetDelta));
  size += bytesFieldSize(record.key) + bytesFieldSize(record.value);
  const headers = record.headers;
  if (headers === undefined) return size + 1;
  let count = 0;
  for (const name in headers) {
    size += bytesFieldSize(name) + bytesFieldSize(headers[name]);
    count++;
  }
  return size + varIntSize(zigZag(count));
}

function writeRecordBody(
  out: Buffer,
  at: number,
  record: OutgoingRecord,
  timestampDelta: number,
  offsetDelta: number,
): number {
  out[at++] = 0;
  at = writeVarInt(out, at, zigZag(timestampDelta));
  at = writeVarInt(out, at, zigZag(offsetDelta));
  at = writeBytesField(out, at, record.key);
  at = writeBytesField(out, at, record.value);
  const headers = record.headers;
  if (headers === undefined) return writeVarInt(out, at, 0);
  let count = 0;
  for (const _ in headers) count++;
  at = writeVarInt(out, at, zigZag(count));
  for (const name in headers) {
    at = writeBytesField(out, at, name);
    at = writeBytesField(out, at, headers[name]);
  }
  return at;
}

function bytesFieldSize(bytes: Bytes): number {
  if (bytes === null || bytes === undefined) return 1; // length -1
  const length = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
  return varIntSize(zigZag(length)) + length;
}

function writeBytesField(out: Buffer, at: number, bytes: Bytes): number {
  if (bytes === null || bytes === undefined) return writeVarInt(out, at, 1);
  if (typeof bytes === 'string') {
    const length = Buffer.byteLength(bytes);
    at = writeVarInt(out, at, zigZag(length));
    return at + out.write(bytes, at, 'utf8');
  }
  at = writeVarInt(out, at, zigZag(bytes.length));
  return at + bytes.copy(out, at);
}

/** Zig-zag as Kafka's varints and varlongs have it, in doubles so deltas past 2^31 stay exact. */
export function zigZag(n: number): number {
  return n >= 0 ? n * 2 : -n * 2 - 1;
}

function varIntSize(unsigned: number): number {
  let size = 1;
  while (unsigned >= 0x80) {
    unsigned = Math.floor(unsigned / 0x80);
    size++;
  }
  return size;
}

export function writeVarInt(out: Buffer, at: number, unsigned: number): number {
  while (unsigned >= 0x80) {
    out[at++] = (unsigned % 0x80) | 0x80;
    unsigned = Math.floor(unsigned / 0x80);
  }
  out[at++] = unsigned;
  return at;
}
