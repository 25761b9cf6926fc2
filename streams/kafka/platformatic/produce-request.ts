import { compressionsAlgorithms, crc32c, type NumericMap, Writer } from '@platformatic/kafka';

/** A message as the client's producer hands it to the Produce API: serialized, partition assigned. */
export interface ProduceMessage {
  topic: string;
  partition?: number;
  key?: Buffer | string | null | undefined;
  value?: Buffer | string | null | undefined;
  headers?: Map<Buffer | string, Buffer | string | null | undefined> | undefined;
  timestamp?: bigint | number | undefined;
}

/** What the client's producer passes with the messages (`produceOptions` in its #send). */
export interface ProduceRequestOptions {
  compression?: string | undefined;
  producerId?: bigint | undefined;
  producerEpoch?: number | undefined;
  sequences?: NumericMap | undefined;
  transactionalId?: string | null | undefined;
}

// Record batch v2: baseOffset int64, batchLength int32, partitionLeaderEpoch int32, magic int8,
// crc uint32, then the CRC'd part: attributes int16, lastOffsetDelta int32, firstTimestamp int64,
// maxTimestamp int64, producerId int64, producerEpoch int16, baseSequence int32, count int32.
const BATCH_HEADER_BYTES = 61;
const CRC_FROM = 21;
const MAGIC = 2;
const IS_TRANSACTIONAL = 1 << 4;
const ACKS_NONE = 0;

/**
 * The body of a Produce request v9–v11 (they share it), written into one buffer per partition's
 * record batch instead of one growable buffer per field of every record: byte for byte what
 * the client's own `createRequest` writes (a unit test compares them), at a fraction of the
 * allocations. Called by the client's producer, with its sequences, retries and transactions, in
 * place of its encoder (`useOwnProduceEncoding`).
 */
export function createProduceRequest(
  acks: number,
  timeoutMs: number,
  messages: ProduceMessage[],
  options: ProduceRequestOptions = {},
): Writer {
  const now = BigInt(Date.now());
  const byTopic = new Map<string, Map<number, ProduceMessage[]>>();
  for (const message of messages) {
    message.partition ??= 0;
    // Fixed on the first attempt, so a retried batch carries the same timestamps.
    message.timestamp ??= now;
    let partitions = byTopic.get(message.topic);
    if (!partitions) {
      partitions = new Map();
      byTopic.set(message.topic, partitions);
    }
    const batch = partitions.get(message.partition);
    if (batch) batch.push(message);
    else partitions.set(message.partition, [message]);
  }
  const writer = Writer.create()
    .appendString(options.transactionalId ?? null)
    .appendInt16(acks)
    .appendInt32(timeoutMs)
    .appendUnsignedVarInt(byTopic.size + 1);
  for (const [topic, partitions] of byTopic) {
    writer.appendString(topic).appendUnsignedVarInt(partitions.size + 1);
    // The client orders partitions as an object's integer keys come out: ascending.
    for (const partition of [...partitions.keys()].sort((a, b) => a - b)) {
      const records = recordBatch(topic, partition, partitions.get(partition)!, options);
      writer
        .appendInt32(partition)
        .appendUnsignedVarInt(records.length + 1)
        .append(records);
      writer.appendTaggedFields();
    }
    writer.appendTaggedFields();
  }
  writer.appendTaggedFields();
  if (acks === ACKS_NONE) writer.context.noResponse = true;
  return writer;
}

/** One partition's records as a v2 record batch, CRC and all. */
function recordBatch(
  topic: string,
  partition: number,
  messages: ProduceMessage[],
  options: ProduceRequestOptions,
): Buffer {
  const firstTimestamp = Number(messages[0]!.timestamp);
  let maxTimestamp = firstTimestamp;
  let recordsBytes = 0;
  const sizes = new Array<number>(messages.length);
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i]!;
    const timestamp = Number(message.timestamp);
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const size = recordBodySize(message, timestamp - firstTimestamp, i);
    sizes[i] = size;
    recordsBytes += varIntSize(zigZag(size)) + size;
  }
  let records: Buffer = Buffer.allocUnsafe(recordsBytes);
  let at = 0;
  for (let i = 0; i < messages.length; i++)
    at = writeRecord(
      records,
      at,
      messages[i]!,
      Number(messages[i]!.timestamp) - firstTimestamp,
      i,
      sizes[i]!,
    );

  let attributes = options.transactionalId ? IS_TRANSACTIONAL : 0;
  const compression = options.compression ?? 'none';
  if (compression !== 'none') {
    const algorithm = compressionsAlgorithms[compression as keyof typeof compressionsAlgorithms];
    if (!algorithm) throw new Error(`kafka produce: unsupported compression "${compression}"`);
    attributes |= algorithm.bitmask;
    records = algorithm.compressSync(records);
  }

  const batch = Buffer.allocUnsafe(BATCH_HEADER_BYTES + records.length);
  batch.writeBigInt64BE(0n, 0);
  batch.writeInt32BE(batch.length - 12, 8);
  batch.writeInt32BE(0, 12); // partitionLeaderEpoch: the broker sets it; the client writes 0.
  batch.writeInt8(MAGIC, 16);
  batch.writeInt16BE(attributes, 21);
  batch.writeInt32BE(messages.length - 1, 23);
  batch.writeBigInt64BE(BigInt(firstTimestamp), 27);
  batch.writeBigInt64BE(BigInt(maxTimestamp), 35);
  batch.writeBigInt64BE(options.producerId ?? -1n, 43);
  batch.writeInt16BE(options.producerEpoch ?? 0, 51);
  batch.writeInt32BE(options.sequences?.getWithDefault(`${topic}:${partition}`, 0) ?? 0, 53);
  batch.writeInt32BE(messages.length, 57);
  records.copy(batch, BATCH_HEADER_BYTES);
  batch.writeUInt32BE(crc32c(batch.subarray(CRC_FROM)), 17);
  return batch;
}

/** A record's bytes after its length: attributes, deltas, key, value, headers. */
function recordBodySize(message: ProduceMessage, timestampDelta: number, offsetDelta: number): number {
  let size = 1 + varIntSize(zigZag(timestampDelta)) + varIntSize(zigZag(offsetDelta));
  size += bytesFieldSize(message.key) + bytesFieldSize(message.value);
  const headers = message.headers;
  size += varIntSize(zigZag(headers?.size ?? 0));
  if (headers) for (const [name, value] of headers) size += bytesFieldSize(name) + bytesFieldSize(value);
  return size;
}

function writeRecord(
  out: Buffer,
  at: number,
  message: ProduceMessage,
  timestampDelta: number,
  offsetDelta: number,
  bodySize: number,
): number {
  at = writeVarInt(out, at, zigZag(bodySize));
  out[at++] = 0; // attributes: unused in v2 records
  at = writeVarInt(out, at, zigZag(timestampDelta));
  at = writeVarInt(out, at, zigZag(offsetDelta));
  at = writeBytesField(out, at, message.key);
  at = writeBytesField(out, at, message.value);
  const headers = message.headers;
  at = writeVarInt(out, at, zigZag(headers?.size ?? 0));
  if (headers)
    for (const [name, value] of headers) {
      at = writeBytesField(out, at, name);
      at = writeBytesField(out, at, value);
    }
  return at;
}

type Bytes = Buffer | string | null | undefined;

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
function zigZag(n: number): number {
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

function writeVarInt(out: Buffer, at: number, unsigned: number): number {
  while (unsigned >= 0x80) {
    out[at++] = (unsigned % 0x80) | 0x80;
    unsigned = Math.floor(unsigned / 0x80);
  }
  out[at++] = unsigned;
  return at;
}
