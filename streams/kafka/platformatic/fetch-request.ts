import { promisify } from 'node:util';
import { type Broker, type Consumer, type fetchV17, kGetApi, kGetConnection } from '@platformatic/kafka';

type FetchRequestTopic = fetchV17.FetchRequestTopic;
export type FetchResponse = fetchV17.FetchResponse;

export interface FetchRequest {
  maxWaitMs: number;
  maxBytes: number;
  isolationLevel: number;
  topics: FetchRequestTopic[];
}

// No fetch session (KIP-227): id 0, epoch 0 ask for a full fetch each time; no rack.
const NO_SESSION = 0;
const NO_RACK = '';

/**
 * One Fetch request to `broker` on the client's own connection to it. Sent here rather than through
 * `consumer.fetch`, whose read_committed filter (1.35) lets an aborted transaction's records through
 * whenever its abort marker lies beyond the response, and looks up a marker's producer without
 * checking it is listed. The caller filters with `AbortedTransactions`. An answer whose errors are
 * all partitions' comes back as it is (each partition's `errorCode` set), so the other partitions'
 * records are not thrown away with it; any other failure is the caller's to retry.
 */
export async function sendFetch(
  consumer: Consumer,
  broker: Broker,
  request: FetchRequest,
): Promise<FetchResponse> {
  const connection = await promisify(consumer[kGetConnection].bind(consumer))(broker);
  const api = await promisify(consumer[kGetApi].bind(consumer))('Fetch');
  const fetch = (api as { async: (...args: unknown[]) => Promise<FetchResponse> }).async;
  return fetch(
    connection,
    request.maxWaitMs,
    1,
    request.maxBytes,
    request.isolationLevel,
    NO_SESSION,
    NO_SESSION,
    request.topics,
    [],
    NO_RACK,
  ).catch((error: unknown) => {
    const response = (error as { response?: FetchResponse }).response;
    if ((error as { code?: string }).code === 'PLT_KFK_RESPONSE' && response?.errorCode === 0)
      return response;
    throw error;
  });
}
