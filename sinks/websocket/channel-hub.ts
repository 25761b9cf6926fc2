/**
 * Channels, their subscribers, their sequence numbers and the fan-out. This is the publish hot
 * path, so it is written for the pipeline's sake, not the subscribers':
 * - a channel nobody listens to costs a Map lookup and an addition (no serialization);
 * - each message is serialized at most once, lazily, and the same string goes to every
 *   subscriber (seq is per channel, not per subscriber, which is what makes that possible);
 * - a subscriber over its backpressure limit is skipped and the skip is counted: nothing here
 *   ever waits for a socket, and a subscriber that stays over the limit too long is closed.
 * Subscriber lists are copy-on-write: a socket closed during a fan-out (by us, for slowness)
 * changes the list without disturbing the loop that is walking the old one.
 */
import type { Logger } from '../../core/index.ts';
import { SluiceError } from '../../core/index.ts';
import { matchesFilter, type SubscriberFilter } from './subscriber-filter.ts';

/** uWS `send` result meaning "not sent: over maxBackpressure". */
const SEND_DROPPED = 2;

/** Close code sent to a subscriber that stayed over its backpressure limit too long (4000–4999 is ours). */
export const CLOSE_SLOW_CONSUMER = 4008;

/** The socket surface the hub uses; a uWS WebSocket satisfies it, tests may pass fakes. */
export interface SubscriberSocket {
  send(message: string, isBinary?: boolean): number;
  getBufferedAmount(): number;
  cork(cb: () => void): unknown;
  end(code?: number, reason?: string): void;
}

/** One connected client as the hub sees it; the live server creates it on open and marks it closed on close. */
export interface Subscriber {
  readonly id: number;
  readonly socket: SubscriberSocket;
  /** Set by the close handler; a closed socket must never be touched again (uWS throws). */
  closed: boolean;
  /** Date.now() of the first drop of the current unbroken run of drops; 0 when not dropping. */
  droppingSince: number;
  readonly channels: Map<string, SubscriberFilter | null>;
}

/** Counters of one channel, read by the metrics hook, `stats()` and tests. */
export interface ChannelStats {
  readonly channel: string;
  readonly subscribers: number;
  /** Last seq published on the channel (0 before the first message). */
  readonly seq: number;
  /** Messages written to subscriber sockets, summed over subscribers. */
  readonly sent: number;
  /** Messages a subscriber should have received but was skipped for, because it was over its backpressure limit. */
  readonly dropped: number;
  /** Messages that could not be serialized (e.g. a BigInt or a cycle in the data): sent to nobody. */
  readonly unencodable: number;
}

/** Settings of the hub; the live server passes them from its options. */
export interface ChannelHubOptions {
  readonly channels: readonly string[];
  readonly maxBackpressureBytes: number;
  /** Close a subscriber whose drops have lasted this long without a full delivery in between; 0 never closes. */
  readonly slowSubscriberCloseMs: number;
  readonly logger: Logger;
}

interface Entry {
  readonly sub: Subscriber;
  readonly filter: SubscriberFilter | null;
}

interface ChannelState {
  readonly name: string;
  /** `{"channel":"<name>","seq":` — the constant head of every message on the channel. */
  readonly head: string;
  seq: number;
  entries: readonly Entry[];
  sent: number;
  dropped: number;
  unencodable: number;
}

/** Owns subscriptions and fan-out for the live server; `publish*` is called by the pipeline on its hot path. */
export class ChannelHub {
  readonly #channels = new Map<string, ChannelState>();
  readonly #maxBackpressure: number;
  readonly #slowCloseMs: number;
  readonly #logger: Logger;

  constructor(options: ChannelHubOptions) {
    this.#maxBackpressure = options.maxBackpressureBytes;
    this.#slowCloseMs = options.slowSubscriberCloseMs;
    this.#logger = options.logger;
    for (const name of options.channels) {
      const head = `{"channel":${JSON.stringify(name)},"seq":`;
      this.#channels.set(name, { name, head, seq: 0, entries: [], sent: 0, dropped: 0, unencodable: 0 });
    }
  }

  /** Adds or replaces `sub`'s subscription to `channel`; returns the channel's current seq (the next message is seq + 1). */
  subscribe(sub: Subscriber, channel: string, filter: SubscriberFilter | null): number {
    const state = this.#state(channel);
    sub.channels.set(channel, filter);
    state.entries = [...state.entries.filter((e) => e.sub !== sub), { sub, filter }];
    return state.seq;
  }

  /** Removes `sub` from `channel`; returns whether it was subscribed. */
  unsubscribe(sub: Subscriber, channel: string): boolean {
    const state = this.#state(channel);
    if (!sub.channels.delete(channel)) return false;
    state.entries = state.entries.filter((e) => e.sub !== sub);
    return true;
  }

  /** Called from the socket's close handler: forgets `sub` everywhere. */
  remove(sub: Subscriber): void {
    sub.closed = true;
    for (const channel of sub.channels.keys()) {
      const state = this.#channels.get(channel);
      if (state) state.entries = state.entries.filter((e) => e.sub !== sub);
    }
    sub.channels.clear();
  }

  /** Lets a caller skip building records nobody will see. */
  hasSubscribers(channel: string): boolean {
    return (this.#channels.get(channel)?.entries.length ?? 0) > 0;
  }

  /** Publishes one record. Never blocks, never throws for a subscriber's sake. */
  publish(channel: string, data: unknown): void {
    const state = this.#state(channel);
    const first = ++state.seq;
    if (state.entries.length === 0) return;
    this.#fanOut(state, [data], first);
  }

  /** Publishes records in order, with consecutive seqs; cheaper per record than `publish` (one cork per subscriber). */
  publishBatch(channel: string, items: readonly unknown[]): void {
    const state = this.#state(channel);
    const first = state.seq + 1;
    state.seq += items.length;
    if (state.entries.length === 0 || items.length === 0) return;
    this.#fanOut(state, items, first);
  }

  stats(): ChannelStats[] {
    return [...this.#channels.values()].map((s) => ({
      channel: s.name,
      subscribers: s.entries.length,
      seq: s.seq,
      sent: s.sent,
      dropped: s.dropped,
      unencodable: s.unencodable,
    }));
  }

  #state(channel: string): ChannelState {
    const state = this.#channels.get(channel);
    if (state === undefined) {
      // A wiring bug (typo in a channel name) or a `websocket.channels` list the app should have
      // refused at startup; not a subscriber problem: fail loudly and at once.
      throw new SluiceError(
        'SLUICE_LIVE_CHANNEL_UNKNOWN',
        `live channel "${channel}" is not configured; websocket.channels has ${[...this.#channels.keys()].join(', ')}`,
        { subject: 'websocket.channels' },
      );
    }
    return state;
  }

  #fanOut(state: ChannelState, items: readonly unknown[], firstSeq: number): void {
    // One slot per item, filled on first need: a message that matches no filter is never serialized.
    const encoded: Array<string | null | undefined> = new Array(items.length);
    const entries = state.entries;
    let now = 0;
    for (let e = 0; e < entries.length; e++) {
      const { sub, filter } = entries[e]!;
      if (sub.closed) continue;
      let sent = 0;
      let dropped = 0;
      // Bytes this subscriber may still be given in this batch. Tracked here rather than asking
      // uWS per message (a native call each); a subscriber overshoots by at most one message.
      let budget = this.#maxBackpressure - sub.socket.getBufferedAmount();
      if (budget < 0) {
        for (let i = 0; i < items.length; i++)
          if (filter === null || matchesFilter(filter, items[i])) dropped++;
      } else {
        sub.socket.cork(() => {
          for (let i = 0; i < items.length; i++) {
            const item = items[i];
            if (filter !== null && !matchesFilter(filter, item)) continue;
            if (budget < 0) {
              dropped++;
              continue;
            }
            let message = encoded[i];
            if (message === undefined) message = encoded[i] = this.#encode(state, firstSeq + i, item);
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
      state.sent += sent;
      if (dropped === 0) {
        if (sent > 0) sub.droppingSince = 0;
        continue;
      }
      state.dropped += dropped;
      if (now === 0) now = Date.now();
      if (sub.droppingSince === 0) sub.droppingSince = now;
      else if (this.#slowCloseMs > 0 && now - sub.droppingSince >= this.#slowCloseMs)
        this.#closeSlow(sub, now);
    }
  }

  #encode(state: ChannelState, seq: number, item: unknown): string | null {
    try {
      return `${state.head}${seq},"data":${JSON.stringify(item) ?? 'null'}}`;
    } catch (error) {
      state.unencodable++;
      if (state.unencodable === 1 || state.unencodable % 10_000 === 0) {
        this.#logger.warn(
          { err: error, channel: state.name, seq },
          'live feed: record cannot be serialized; skipped',
        );
      }
      return null;
    }
  }

  #closeSlow(sub: Subscriber, now: number): void {
    const overMs = now - sub.droppingSince;
    this.#logger.warn(
      { subscriber: sub.id, overMs, maxBackpressureBytes: this.#maxBackpressure },
      'live feed: closing slow subscriber',
    );
    // end() runs our close handler synchronously, which calls remove(): the entries array
    // being walked by #fanOut is a snapshot, and `closed` makes the loop skip this one.
    sub.socket.end(
      CLOSE_SLOW_CONSUMER,
      `slow consumer: over ${this.#maxBackpressure} B backlog for ${overMs} ms`,
    );
  }
}
