import {
  type API,
  type Callback,
  createAPI,
  kGetApi,
  type NumericMap,
  type Producer,
  produceV7,
  produceV8,
  produceV9,
  produceV10,
  produceV11,
} from '@platformatic/kafka';
import { createProduceRequest, type ProduceRequestOptions } from './produce-request.ts';
import { type ProduceMessage, recordCount } from './record-batch-writer.ts';

// The request layouts are Sluice's; the responses keep the client's parsers.
const RESPONSE_PARSERS: Record<number, typeof produceV11.parseResponse> = {
  7: produceV7.parseResponse,
  8: produceV8.parseResponse,
  9: produceV9.parseResponse,
  10: produceV10.parseResponse,
  11: produceV11.parseResponse,
};
const PRODUCE_API_KEY = 0;
const FIRST_FLEXIBLE_VERSION = 9;

type AnyApi = API<unknown[], unknown>;
type GetApi = (name: string, callback: Callback<AnyApi>) => void;

/** A partition the broker acknowledged, as the client reports it in `error.produced`. */
interface Produced {
  topic: string;
  partition: number;
}

/** What `useOwnProduceEncoding` gives its producer: the sequence fix-up after each send. */
export interface OwnProduceEncoding {
  /**
   * After a send of `messages` (or its failure, with the partitions that went through): the
   * client advanced each partition's idempotence sequence by one a message, and a `RecordRun`
   * message holds many records, so it is moved on by the rest. Sends run one at a time
   * (OrderedSendQueue), so no other send sees the sequence in between.
   */
  acknowledged(messages: readonly ProduceMessage[], produced?: readonly Produced[]): void;
}

/**
 * Makes `producer` encode its Produce requests with `createProduceRequest`, through the client's
 * API lookup hook (`kGetApi`), so its sequences, retries, metadata and transactions stay its own.
 * The client's encoder builds a growable buffer per record and concatenates them twice (for the
 * CRC, for the socket): half of the producer's time per record. A version the client does not
 * speak either is left to the client, which then fails it as before.
 */
export function useOwnProduceEncoding(
  producer: Producer<Buffer, Buffer, Buffer, Buffer>,
): OwnProduceEncoding {
  const client = producer as unknown as Record<symbol, GetApi>;
  const getApi = client[kGetApi]!.bind(producer);
  const own = new Map<number, AnyApi>();
  let sequences: NumericMap | undefined;
  client[kGetApi] = (name, callback) => {
    if (name !== 'Produce') return getApi(name, callback);
    getApi(name, (error, api) => {
      const parse = api && RESPONSE_PARSERS[api.version];
      if (error || !api || !parse) return callback(error, api);
      const version = api.version;
      let ownApi = own.get(version);
      if (!ownApi) {
        const create = (
          acks: number,
          timeout: number,
          messages: ProduceMessage[],
          options?: ProduceRequestOptions,
        ) => {
          sequences = options?.sequences;
          return createProduceRequest(version, acks, timeout, messages, options);
        };
        const flexible = version >= FIRST_FLEXIBLE_VERSION;
        ownApi = createAPI(PRODUCE_API_KEY, version, create as never, parse, flexible, flexible);
        own.set(version, ownApi);
      }
      callback(null, ownApi);
    });
  };
  return {
    acknowledged(messages, produced) {
      if (!sequences) return;
      const through = produced && new Set(produced.map((p) => `${p.topic}:${p.partition}`));
      for (const message of messages) {
        const extra = recordCount(message) - 1;
        const key = `${message.topic}:${message.partition}`;
        if (extra > 0 && (!through || through.has(key))) sequences.postIncrement(key, extra, 0);
      }
    },
  };
}
