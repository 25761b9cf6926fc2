import {
  type API,
  type Broker,
  type Callback,
  type CallbackWithPromise,
  type Consumer,
  createAPI,
  fetchV13,
  fetchV14,
  fetchV15,
  fetchV16,
  fetchV17,
  kGetApi,
  kGetConnection,
  kPerformWithRetry,
  UnsupportedApiError,
} from '@platformatic/kafka';
import { type FetchAnswer, parseFetchResponse } from './fetch-response.ts';

type FetchRequestTopic = fetchV17.FetchRequestTopic;
export type FetchResponse = FetchAnswer;
type FetchApi = API<unknown[], FetchAnswer>;

// Topic ids in the request came with v13 (Kafka 3.1); v13–v17 answer in the same layout.
const REQUEST_WRITERS: Record<number, typeof fetchV17.createRequest> = {
  13: fetchV13.createRequest as typeof fetchV17.createRequest,
  14: fetchV14.createRequest as typeof fetchV17.createRequest,
  15: fetchV15.createRequest,
  16: fetchV16.createRequest,
  17: fetchV17.createRequest,
};
const FETCH_API_KEY = 1;
const ownApis = new Map<number, FetchApi>();

/** The client's request writer for the version the broker speaks, with Sluice's answer parser. */
function ownFetchApi(version: number): FetchApi {
  let api = ownApis.get(version);
  if (!api) {
    const writer = REQUEST_WRITERS[version];
    if (!writer)
      throw new UnsupportedApiError(
        `kafka fetch: the broker speaks Fetch v${version}; Sluice needs v13-v17 (Kafka 3.1 or later)`,
      );
    api = createAPI<unknown[], FetchAnswer>(FETCH_API_KEY, version, writer as never, parseFetchResponse);
    ownApis.set(version, api);
  }
  return api;
}

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
 * One Fetch request to `broker` on the client's own connection to it, retried as the client retries
 * its own requests (`retries` at `retryDelay`: a busy broker or a dropped connection is not a
 * failed fetch yet). Sent here rather than through `consumer.fetch`, whose read_committed filter
 * (1.35) lets an aborted transaction's records through whenever its abort marker lies beyond the
 * response, and looks up a marker's producer without checking it is listed. The caller filters
 * with `AbortedTransactions`. The answer is read by `parseFetchResponse`: a partition's error stays
 * on that partition, so the other partitions' records are not thrown away with it.
 */
export function sendFetch(consumer: Consumer, broker: Broker, request: FetchRequest): Promise<FetchResponse> {
  return new Promise((resolve, reject) => {
    const attempt = (retryCallback: Callback<FetchResponse>) => {
      consumer[kGetConnection](broker, (connectionError, connection) => {
        if (connectionError || !connection) return retryCallback(connectionError);
        consumer[kGetApi]<unknown[], unknown>('Fetch', (apiError, clientApi) => {
          if (apiError || !clientApi) return retryCallback(apiError);
          let api: FetchApi;
          try {
            api = ownFetchApi(clientApi.version);
          } catch (error) {
            return retryCallback(error as Error);
          }
          api(
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
            (error: Error | null, response?: FetchResponse) => retryCallback(error, response),
          );
        });
      });
    };
    const done = (error: Error | null, response?: FetchResponse) => {
      if (error || !response) reject(error ?? new Error('kafka fetch: no response'));
      else resolve(response);
    };
    consumer[kPerformWithRetry]('fetch', attempt, done as CallbackWithPromise<FetchResponse>);
  });
}
