/**
 * One subscriber's share of one fan-out: the items from `from` that pass its filter, within its
 * send budget, as one batch frame (`"batch": true`) or a frame each under one cork, losing what
 * does not fit by the slow policy. The hub (channel-hub.ts) walks the subscribers and keeps the
 * counts.
 */
import { type BatchFrame, buildBatchFrame } from './batch-frame.ts';
import { SEND_DROPPED } from './channel-state.ts';
import type { Subscriber, Subscription } from './hub-types.ts';
import { matchesFilter } from './subscriber-filter.ts';

/** Under the `thin` policy, a subscriber past half its budget gets one message in this many (by seq). */
const THIN_EVERY = 10;

/** One fan-out's items, and what is computed once for all its subscribers. */
export interface FanOutBatch {
  readonly items: readonly unknown[];
  readonly firstSeq: number;
  /** Item i's message bytes, serialized on first need (null: cannot be serialized). */
  readonly encodeAt: (i: number) => Uint8Array | null;
  /** Unfiltered batch subscribers share one frame per starting item. */
  readonly shared: Array<BatchFrame | null | undefined>;
}

export function sendToSubscriber(
  sub: Subscriber,
  subscription: Subscription,
  { items, firstSeq, encodeAt, shared }: FanOutBatch,
  from: number,
  limit: number,
  thin: boolean,
): { sent: number; dropped: number } {
  const filter = subscription.filter;
  let sent = 0;
  let dropped = 0;
  // Bytes this subscriber may still be given in this batch. Tracked here rather than asking
  // uWS per message (a native call each); a subscriber overshoots by at most one message.
  let budget = limit - sub.socket.getBufferedAmount();
  if (budget < 0) {
    if (filter === null) dropped = Math.max(0, items.length - from);
    else for (let i = from; i < items.length; i++) if (matchesFilter(filter, items[i])) dropped++;
  } else if (subscription.batch && !(thin && budget < limit / 2)) {
    let frame = filter === null ? shared[from] : undefined;
    if (frame === undefined) {
      frame = buildBatchFrame(items, from, filter, encodeAt);
      if (filter === null) shared[from] = frame;
    }
    if (frame !== null) {
      if (sub.socket.send(frame.bytes, false) === SEND_DROPPED) dropped += frame.count;
      else sent += frame.count;
    }
  } else {
    sub.socket.cork(() => {
      for (let i = from; i < items.length; i++) {
        const item = items[i];
        if (filter !== null && !matchesFilter(filter, item)) continue;
        const seq = firstSeq + i;
        if (budget < 0 || (thin && budget < limit / 2 && seq % THIN_EVERY !== 0)) {
          dropped++;
          continue;
        }
        const message = encodeAt(i);
        if (message === null) continue;
        // uWS's own limit sits above ours (see live-server.ts); DROPPED here is its backstop.
        if (sub.socket.send(message, false) === SEND_DROPPED) dropped++;
        else {
          sent++;
          budget -= message.length;
        }
      }
    });
  }
  return { sent, dropped };
}
