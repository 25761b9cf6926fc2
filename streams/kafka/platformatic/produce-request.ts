import { type NumericMap, Writer } from '@platformatic/kafka';
import { type ProduceMessage, writeRecordBatch } from './record-batch-writer.ts';

/** What the client's producer passes with the messages (`produceOptions` in its #send). */
export interface ProduceRequestOptions {
  compression?: string | undefined;
  producerId?: bigint | undefined;
  producerEpoch?: number | undefined;
  sequences?: NumericMap | undefined;
  transactionalId?: string | null | undefined;
}

const ACKS_NONE = 0;
/** Produce v9 made the request flexible (compact strings and arrays, tagged fields); v7–v8 are not. */
const FIRST_FLEXIBLE_VERSION = 9;

/**
 * The body of a Produce request (v7–v11, the versions the client speaks), each partition's record
 * batch written into one buffer instead of one growable buffer per field of every record: byte
 * for byte what the client's own `createRequest` writes (a unit test compares them), at a fraction
 * of the allocations, and a `RecordRun` message written as its records. Called by the client's
 * producer, with its sequences, retries and transactions, in place of its encoder
 * (`useOwnProduceEncoding`).
 */
export function createProduceRequest(
  version: number,
  acks: number,
  timeoutMs: number,
  messages: ProduceMessage[],
  options: ProduceRequestOptions = {},
): Writer {
  const flexible = version >= FIRST_FLEXIBLE_VERSION;
  const byTopic = new Map<string, Map<number, ProduceMessage[]>>();
  for (const message of messages) {
    message.partition ??= 0;
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
    .appendString(options.transactionalId ?? null, flexible)
    .appendInt16(acks)
    .appendInt32(timeoutMs);
  appendLength(writer, byTopic.size, flexible);
  for (const [topic, partitions] of byTopic) {
    writer.appendString(topic, flexible);
    appendLength(writer, partitions.size, flexible);
    // The client orders partitions as an object's integer keys come out: ascending.
    for (const partition of [...partitions.keys()].sort((a, b) => a - b)) {
      const records = writeRecordBatch(partitions.get(partition)!, {
        compression: options.compression,
        producerId: options.producerId,
        producerEpoch: options.producerEpoch,
        baseSequence: options.sequences?.getWithDefault(`${topic}:${partition}`, 0) ?? 0,
        transactional: Boolean(options.transactionalId),
      });
      writer.appendInt32(partition);
      if (flexible) writer.appendUnsignedVarInt(records.length + 1);
      else writer.appendInt32(records.length);
      writer.append(records);
      if (flexible) writer.appendTaggedFields();
    }
    if (flexible) writer.appendTaggedFields();
  }
  if (flexible) writer.appendTaggedFields();
  if (acks === ACKS_NONE) writer.context.noResponse = true;
  return writer;
}

function appendLength(writer: Writer, length: number, flexible: boolean): void {
  if (flexible) writer.appendUnsignedVarInt(length + 1);
  else writer.appendInt32(length);
}
