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
  const responses = reader.readArray((topic) => ({
    topicId: topic.readUUID(),
    partitions: topic.readArray((r): FetchedPartition => {
      const partition: FetchedPartition = {
        partitionIndex: r.readInt32(),
        errorCode: r.readInt16(),
        highWatermark: r.readInt64(),
        lastStableOffset: r.readInt64(),
        logStartOffset: r.readInt64(),
        abortedTransactions: r.readArray((t) => ({ producerId: t.readInt64(), firstOffset: t.readInt64() })),
        preferredReadReplica: r.readInt32(),
        records: undefined,
      };
      // COMPACT_RECORDS: the length is stored plus one.
      const size = r.readUnsignedVarInt() - 1;
      if (size > 0) {
        partition.records = readFetchedBatches(r.buffer.slice(r.position, r.position + size));
        r.skip(size);
      }
      return partition;
    }),
  }));
  const answer: FetchAnswer = { throttleTimeMs, errorCode, sessionId, responses };
  if (errorCode !== 0) throw new ResponseError(apiKey, apiVersion, { '': [errorCode, null] }, answer);
  return answer;
}
