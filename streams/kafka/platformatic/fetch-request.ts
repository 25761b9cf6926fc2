import {
  type Broker,
  type Callback,
  type CallbackWithPromise,
  type Consumer,
  type fetchV17,
  kGetApi,
  kGetConnection,
  kPerformWithRetry,
} from '@platformatic/kafka';

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
 * One Fetch request to `broker` on the client's own connection to it, retried as the client retries
 * its own requests (`retries` at `retryDelay`: a busy broker or a dropped connection is not a
 * failed fetch yet). Sent here rather than through `consumer.fetch`, whose read_committed filter
 * (1.35) lets an aborted transaction's records through whenever its abort marker lies beyond the
 * response, and looks up a marker's producer without checking it is listed. The caller filters
 * with `AbortedTransactions`. An answer whose errors are all partitions' comes back as it is (each
 * partition's `errorCode` set), so the other partitions' records are not thrown away with it.
 */
export function sendFetch(consumer: Consumer, broker: Broker, request: FetchRequest): Promise<FetchResponse> {
  return new Promise((resolve, reject) => {
    const attempt = (retryCallback: Callback<FetchResponse>) => {
      consumer[kGetConnection](broker, (connectionError, connection) => {
        if (connectionError || !connection) return retryCallback(connectionError);
        consumer[kGetApi]<unknown[], FetchResponse>('Fetch', (apiError, api) => {
          if (apiError || !api) return retryCallback(apiError);
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
            (error: Error | null, response?: FetchResponse) => {
              const answered = error ? partitionErrorsOnly(error) : response;
              if (answered) retryCallback(null, answered);
              else retryCallback(error);
            },
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

/** The answer of a response whose errors are all partition-level ones, else undefined. */
function partitionErrorsOnly(error: Error): FetchResponse | undefined {
  const response = (error as { response?: FetchResponse }).response;
  const isResponseError = (error as { code?: string }).code === 'PLT_KFK_RESPONSE';
  return isResponseError && response?.errorCode === 0 ? response : undefined;
}
