/**
 * The client side of the `/ws` protocol: parsing and validating what a client sends, and the
 * shapes of the replies. Every failure is a value with a stable code and a message naming the
 * field, never an exception: a subscriber's bad frame must not cost anything but a reply.
 */
import { type FilterSpec, parseFilter, type SubscriberFilter } from './subscriber-filter.ts';

/** Stable codes of `{"op":"error"}` replies; clients and the `sluice_ws_client_errors_total` metric key on them. */
export type ClientErrorCode =
  | 'too_large'
  | 'binary_frame'
  | 'not_json'
  | 'bad_message'
  | 'unknown_op'
  | 'unknown_channel'
  | 'bad_filter'
  | 'bad_resume'
  | 'rate_limited'
  | 'too_many_subscriptions'
  | 'forbidden_channel';

/** A validated client message; produced by `parseClientMessage`, acted on by the live server. */
export type ClientMessage =
  | {
      op: 'subscribe';
      channel: string;
      filter: SubscriberFilter | null;
      /** Resume after this seq (the last one the client saw) of stream `epoch`; null for live only. */
      resume: { fromSeq: number; epoch: string } | null;
      /** Live messages arrive as JSON arrays, one frame per fan-out, instead of one frame each. */
      batch: boolean;
    }
  | { op: 'unsubscribe'; channel: string }
  | { op: 'ping'; id: string | number | null };

/** Result of parsing one frame. */
export type ClientParseResult =
  | { ok: true; message: ClientMessage }
  | { ok: false; error: ClientErrorCode; message: string };

/** What the parser needs to know about the server; the live server builds it once at start. */
export interface ProtocolLimits {
  /** Frames longer than this (bytes) are refused with `too_large`. */
  readonly maxMessageBytes: number;
  readonly channels: readonly string[];
  /** Channels whose records carry `key` and `score`, so a filter means something. */
  readonly filterableChannels: ReadonlySet<string>;
}

/** Every server → client message of the protocol, for typed clients and tests. */
export type ServerMessage =
  | { op: 'hello'; epoch: string; channels: string[]; filterable: string[]; maxMessageBytes: number }
  | {
      op: 'subscribed';
      channel: string;
      epoch: string;
      seq: number;
      filter: FilterSpec | null;
      batch: boolean;
    }
  | { op: 'gap'; channel: string; missed: number; fromSeq: number; toSeq: number }
  | { op: 'reset'; channel: string; epoch: string; seq: number }
  | { op: 'dropped'; channel: string; count: number }
  | { op: 'unsubscribed'; channel: string }
  | { op: 'pong'; id?: string | number }
  | { op: 'error'; error: ClientErrorCode; message: string }
  | { channel: string; seq: number; data: unknown };

const OPS = 'subscribe, unsubscribe, ping';
const utf8 = new TextDecoder('utf-8', { fatal: true });

function fail(error: ClientErrorCode, message: string): ClientParseResult {
  return { ok: false, error, message };
}

/** Parses one WebSocket frame. `frame` is only valid during the uWS callback, so it is decoded here, synchronously. */
export function parseClientMessage(
  frame: ArrayBuffer,
  isBinary: boolean,
  limits: ProtocolLimits,
): ClientParseResult {
  if (frame.byteLength > limits.maxMessageBytes) {
    return fail('too_large', `message is ${frame.byteLength} bytes; the limit is ${limits.maxMessageBytes}`);
  }
  if (isBinary) return fail('binary_frame', 'send JSON in text frames, not binary frames');
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(frame));
  } catch {
    return fail('not_json', 'message is not valid JSON (UTF-8 text), e.g. {"op":"ping"}');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return fail('bad_message', 'message must be a JSON object with an "op" field');
  }
  const fields = value as Record<string, unknown>;
  const op = fields.op;
  if (typeof op !== 'string') return fail('bad_message', `"op" must be a string, one of ${OPS}`);
  switch (op) {
    case 'ping': {
      const id = fields.id;
      return { ok: true, message: { op, id: typeof id === 'string' || typeof id === 'number' ? id : null } };
    }
    case 'subscribe':
    case 'unsubscribe': {
      const channel = fields.channel;
      if (typeof channel !== 'string' || !limits.channels.includes(channel)) {
        const got = typeof channel === 'string' ? JSON.stringify(channel.slice(0, 64)) : typeof channel;
        return fail('unknown_channel', `"channel" must be one of ${limits.channels.join(', ')}; got ${got}`);
      }
      if (op === 'unsubscribe') return { ok: true, message: { op, channel } };
      if (fields.filter !== undefined && fields.filter !== null && !limits.filterableChannels.has(channel)) {
        return fail(
          'bad_filter',
          `"filter" is not supported on channel ${channel}; only on ${filterableList(limits)}`,
        );
      }
      const parsed = parseFilter(fields.filter);
      if (!parsed.ok) return fail('bad_filter', parsed.message);
      const batch = fields.batch ?? false;
      if (typeof batch !== 'boolean')
        return fail('bad_message', '"batch" must be true (messages in arrays) or false');
      const { fromSeq, epoch } = fields;
      if (fromSeq === undefined && epoch === undefined)
        return { ok: true, message: { op, channel, filter: parsed.filter, resume: null, batch } };
      if (typeof fromSeq !== 'number' || !Number.isSafeInteger(fromSeq) || fromSeq < 0)
        return fail(
          'bad_resume',
          '"fromSeq" must be the last seq you received on the channel (an integer >= 0)',
        );
      if (typeof epoch !== 'string' || epoch.length === 0 || epoch.length > 64)
        return fail(
          'bad_resume',
          '"epoch" must be the epoch of the stream fromSeq belongs to (from "hello")',
        );
      return {
        ok: true,
        message: { op, channel, filter: parsed.filter, resume: { fromSeq, epoch }, batch },
      };
    }
    default:
      return fail('unknown_op', `"op" ${JSON.stringify(op.slice(0, 64))} is unknown; use one of ${OPS}`);
  }
}

function filterableList(limits: ProtocolLimits): string {
  return limits.filterableChannels.size === 0 ? '(none)' : [...limits.filterableChannels].join(', ');
}

/** Serializes a reply. Replies are rare (one per client op), so plain JSON.stringify is fine here. */
export function encodeReply(message: ServerMessage): string {
  return JSON.stringify(message);
}
