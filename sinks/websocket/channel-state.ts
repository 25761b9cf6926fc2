/**
 * One channel's state and the per-message work on it: serializing a message once (kept in the
 * ring for every subscriber and for resumes) and sending the next held message to a subscriber
 * catching up. The hub (channel-hub.ts) decides who gets what and when.
 */
import type { Logger } from '../../core/index.ts';
import { joinFrame } from './batch-frame.ts';
import { ChannelRing } from './channel-ring.ts';
import type { ChannelHubOptions, Subscriber, Subscription } from './hub-types.ts';
import { matchesFilter } from './subscriber-filter.ts';

/** uWS `send` result meaning "not sent: over maxBackpressure". */
export const SEND_DROPPED = 2;

/** One subscriber on a channel, as the fan-out walks them. */
export interface Entry {
  readonly sub: Subscriber;
  readonly subscription: Subscription;
}

/** One channel: its seq, its resume ring, its subscribers and its counters. */
export interface ChannelState {
  readonly name: string;
  /** `{"channel":"<name>","seq":` — the constant head of every message on the channel. */
  readonly head: string;
  readonly ring: ChannelRing;
  seq: number;
  /** The first seq published since the last flush; 0 when none waits. */
  pendingFrom: number;
  entries: readonly Entry[];
  sent: number;
  dropped: number;
  unencodable: number;
  deferred: number;
}

export function newChannelState(
  name: string,
  options: Pick<ChannelHubOptions, 'resumeMessages' | 'resumeBytes'>,
): ChannelState {
  return {
    name,
    head: `{"channel":${JSON.stringify(name)},"seq":`,
    ring: new ChannelRing(options.resumeMessages, options.resumeBytes),
    seq: 0,
    pendingFrom: 0,
    entries: [],
    sent: 0,
    dropped: 0,
    unencodable: 0,
    deferred: 0,
  };
}

/**
 * Sends held messages from the subscription's cursor, one budget's worth (what the subscriber
 * may have unsent), under one cork: one write. What is left waits for the next call, from the
 * socket's drain event or the catch-up timer, so no one subscriber's backlog holds the thread
 * (the caller accounts the time against the fan-out share). `stalled` is called when the
 * subscriber has no room at all.
 */
export function catchUp(
  sub: Subscriber,
  state: ChannelState,
  subscription: Subscription,
  limit: number,
  logger: Logger,
  stalled: () => void,
): void {
  if (subscription.cursor === 0 || sub.closed) return;
  let budget = limit - sub.socket.getBufferedAmount();
  if (budget <= 0) {
    stalled();
    return;
  }
  sub.droppingSince = 0;
  sub.socket.cork(() => {
    while (subscription.cursor !== 0 && budget > 0 && !sub.closed)
      budget -= subscription.batch
        ? sendNextBatch(sub, state, subscription, budget, logger)
        : sendNext(sub, state, subscription, logger);
  });
}

/**
 * For a batch subscription: sends the held messages from the cursor that pass its filter, up to
 * `budget` bytes, as one array frame, and stops before a seq the ring no longer holds (sendNext
 * then says `gap`). Returns the bytes sent.
 */
function sendNextBatch(
  sub: Subscriber,
  state: ChannelState,
  subscription: Subscription,
  budget: number,
  logger: Logger,
): number {
  const first = subscription.cursor;
  if (first > state.seq || !state.ring.holds(first)) return sendNext(sub, state, subscription, logger);
  const parts: Uint8Array[] = [];
  let bytes = 0;
  let seq = first;
  for (; seq <= state.seq && bytes < budget && state.ring.holds(seq); seq++) {
    const item = state.ring.item(seq);
    if (subscription.filter !== null && !matchesFilter(subscription.filter, item)) continue;
    const text = state.ring.text(seq, (s, i) => encodeMessage(state, s, i, logger));
    if (text === null) continue;
    parts.push(text);
    bytes += text.length;
  }
  subscription.cursor = seq > state.seq ? 0 : seq;
  subscription.liveFrom = seq;
  if (parts.length === 0) return 0;
  if (sub.socket.send(joinFrame(parts, bytes), false) === SEND_DROPPED) {
    // uWS's own limit: these again on the next drain.
    subscription.cursor = first;
    subscription.liveFrom = first;
    return Number.POSITIVE_INFINITY;
  }
  state.sent += parts.length;
  return bytes;
}

/** Sends the message at the cursor if it passes the filter, moves the cursor on; returns the bytes sent. */
export function sendNext(
  sub: Subscriber,
  state: ChannelState,
  subscription: Subscription,
  logger: Logger,
): number {
  const seq = subscription.cursor;
  if (seq > state.seq) {
    subscription.cursor = 0;
    subscription.liveFrom = state.seq + 1;
    return 0;
  }
  if (!state.ring.holds(seq)) {
    // It fell out of the ring while this client caught up: say how much, go on from the oldest held.
    const toSeq = Math.min(state.ring.firstSeq - 1, state.seq);
    if (!sub.closed)
      sub.socket.send(
        JSON.stringify({ op: 'gap', channel: state.name, missed: toSeq - seq + 1, fromSeq: seq, toSeq }),
        false,
      );
    subscription.cursor = toSeq + 1;
    return 0;
  }
  subscription.cursor = seq === state.seq ? 0 : seq + 1;
  subscription.liveFrom = seq + 1;
  const item = state.ring.item(seq);
  if (subscription.filter !== null && !matchesFilter(subscription.filter, item)) return 0;
  const text = state.ring.text(seq, (s, i) => encodeMessage(state, s, i, logger));
  if (text === null) return 0;
  if (sub.socket.send(text, false) === SEND_DROPPED) {
    // uWS's own limit: this one again on the next drain.
    subscription.cursor = seq;
    return Number.POSITIVE_INFINITY;
  }
  state.sent++;
  return text.length;
}

/** A message's text: from the ring (serialized there once) while it holds the seq, else serialized here. */
export function messageBytes(
  state: ChannelState,
  seq: number,
  item: unknown,
  logger: Logger,
): Uint8Array | null {
  if (state.ring.holds(seq)) return state.ring.text(seq, (s, i) => encodeMessage(state, s, i, logger));
  return encodeMessage(state, seq, item, logger);
}

/** One message's bytes, `{"channel","seq","data"}`; null (counted, logged now and then) when the record cannot be serialized. */
export function encodeMessage(
  state: ChannelState,
  seq: number,
  item: unknown,
  logger: Logger,
): Uint8Array | null {
  try {
    return Buffer.from(`${state.head}${seq},"data":${JSON.stringify(item) ?? 'null'}}`);
  } catch (error) {
    state.unencodable++;
    if (state.unencodable === 1 || state.unencodable % 10_000 === 0) {
      logger.warn(
        { err: error, channel: state.name, seq },
        'live feed: record cannot be serialized; skipped',
      );
    }
    return null;
  }
}
