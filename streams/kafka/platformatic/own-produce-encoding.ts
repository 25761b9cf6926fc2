import {
  type API,
  type Callback,
  createAPI,
  kGetApi,
  type Producer,
  produceV9,
  produceV10,
  produceV11,
} from '@platformatic/kafka';
import { createProduceRequest } from './produce-request.ts';

// v9–v11 share the request's layout; only the response's meaning differs, so each keeps its parser.
const RESPONSE_PARSERS: Record<number, typeof produceV11.parseResponse> = {
  9: produceV9.parseResponse,
  10: produceV10.parseResponse,
  11: produceV11.parseResponse,
};
const PRODUCE_API_KEY = 0;

type AnyApi = API<unknown[], unknown>;
type GetApi = (name: string, callback: Callback<AnyApi>) => void;

/**
 * Makes `producer` encode Produce requests with `createProduceRequest` wherever the broker speaks
 * v9–v11, through the client's API lookup hook (`kGetApi`), so its sequences, retries, metadata
 * and transactions stay its own. The client's encoder builds a growable buffer per record and
 * concatenates them twice (for the CRC, for the socket): half of the producer's time per record.
 * Any other version keeps the client's encoder.
 */
export function useOwnProduceEncoding(producer: Producer<Buffer, Buffer, Buffer, Buffer>): void {
  const client = producer as unknown as Record<symbol, GetApi>;
  const getApi = client[kGetApi]!.bind(producer);
  const own = new Map<number, AnyApi>();
  client[kGetApi] = (name, callback) => {
    if (name !== 'Produce') return getApi(name, callback);
    getApi(name, (error, api) => {
      const parse = api && RESPONSE_PARSERS[api.version];
      if (error || !api || !parse) return callback(error, api);
      let ownApi = own.get(api.version);
      if (!ownApi) {
        ownApi = createAPI(PRODUCE_API_KEY, api.version, createProduceRequest as never, parse);
        own.set(api.version, ownApi);
      }
      callback(null, ownApi);
    });
  };
}
