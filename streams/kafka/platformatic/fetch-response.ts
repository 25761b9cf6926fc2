import { type Reader, ResponseError } from '@platformatic/kafka';
import type { AbortedTransaction } from './aborted-transactions.ts';
import { type FetchedBatch, readFetchedBatches } from './fetched-batches.ts';

/** One partition's part of a fetch answer; `records` holds its complete batches, if any. */
export interface FetchedPartition {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  abortedTransactions: AbortedTransaction[];
  preferredReadReplica: number;
  records: FetchedBatch[] | undefined;
}

/** A Fetch answer (v13–v17: the same layout), records left as batches of bytes. */
export interface FetchAnswer {
  throttleTimeMs: number;
  errorCode: number;
  sessionId: number;
  responses: Array<{ topicId: string; partitions: FetchedPartition[] }>;
}

/**
 * Reads a Fetch response (v13–v17) as the client's parser does, except for the records: each
 * partition's section becomes `FetchedBatch`es whose records stay bytes until the take loop walks
 * them, instead of an object with a bigint and two buffer views per record. A partition's error
 * stays on its partition (the rest of the answer is delivered); an error of the whole answer
 * throws the client's ResponseError, so the client's retry rules apply to it.
 */
export function parseFetchResponse(
  _correlationId: number,
  apiKey: number,
  apiVersion: number,
  reader: Reader,
): FetchAnswer {
  const throttleTimeMs = reader.readInt32();
  const errorCode = reader.readInt16();
  const sessionId = reader.readInt32();
  // Tagged fields are skipped here, not by the reader's arrays: the client's reader skips a
  // non-empty set wrongly (KIP-951's CurrentLeader on a NOT_LEADER_OR_FOLLOWER partition).
  const responses = reader.readArray(
    (topic) => {
      const topicId = topic.readUUID();
      const partitions = topic.readArray(readPartition, true, false);
      skipTaggedFields(topic);
      return { topicId, partitions };
    },
    true,
    false,
  );
  const answer: FetchAnswer = { throttleTimeMs, errorCode, sessionId, responses };
  if (errorCode !== 0) throw new ResponseError(apiKey, apiVersion, { '': [errorCode, null] }, answer);
  return answer;
}

function readPartition(r: Reader): FetchedPartition {
  const partition: FetchedPartition = {
    partitionIndex: r.readInt32(),
    errorCode: r.readInt16(),
    highWatermark: r.readInt64(),
    lastStableOffset: r.readInt64(),
    logStartOffset: r.readInt64(),
    abortedTransactions: r.readArray(
      (t) => {
        const aborted = { producerId: t.readInt64(), firstOffset: t.readInt64() };
        skipTaggedFields(t);
        return aborted;
      },
      true,
      false,
    ),
    preferredReadReplica: r.readInt32(),
    records: undefined,
  };
  // COMPACT_RECORDS: the length is stored plus one.
  const size = r.readUnsignedVarInt() - 1;
  if (size > 0) {
    partition.records = readFetchedBatches(r.buffer.slice(r.position, r.position + size));
    r.skip(size);
  }
  skipTaggedFields(r);
  return partition;
}

/** A tagged-field set: a count, then per field its tag and its size, both unsigned varints. */
export function skipTaggedFields(reader: Reader): void {
  const count = reader.readUnsignedVarInt();
  for (let i = 0; i < count; i++) {
    reader.readUnsignedVarInt(); // tag
    reader.skip(reader.readUnsignedVarInt());
  }
}
