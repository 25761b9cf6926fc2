/** The shapes the channel hub works with: subscribers and their subscriptions, its settings and its counters. */
import type { Logger } from '../../core/index.ts';
import type { SubscriberFilter } from './subscriber-filter.ts';

/** The socket surface the hub uses; a uWS WebSocket satisfies it, tests may pass fakes. */
export interface SubscriberSocket {
  send(message: string | Uint8Array, isBinary?: boolean): number;
  getBufferedAmount(): number;
  cork(cb: () => void): unknown;
  end(code?: number, reason?: string): void;
}

/** One channel subscription of a subscriber. */
export interface Subscription {
  filter: SubscriberFilter | null;
  /** While catching up from the ring: the next seq to send; 0 when live. */
  cursor: number;
  /** The first seq the live fan-out may send it (what came before reached it, or predates it). */
  liveFrom: number;
  /** Messages lost to the send budget and not yet reported to the client. */
  dropped: number;
  /** Live fan-out sends this subscription one JSON array per fan-out rather than a frame per message. */
  readonly batch: boolean;
}

/** One connected client as the hub sees it; the live server creates it on open and marks it closed on close. */
export interface Subscriber {
  readonly id: number;
  readonly socket: SubscriberSocket;
  /** Set by the close handler; a closed socket must never be touched again (uWS throws). */
  closed: boolean;
  /** Date.now() of the first drop of the current unbroken run of drops; 0 when not dropping. */
  droppingSince: number;
  readonly channels: Map<string, Subscription>;
}

/** Counters of one channel, read by the metrics hook, `stats()` and tests. */
export interface ChannelStats {
  readonly channel: string;
  readonly subscribers: number;
  /** Last seq published on the channel (0 before the first message). */
  readonly seq: number;
  /** Messages written to subscriber sockets, summed over subscribers. */
  readonly sent: number;
  /** Messages a subscriber should have received but lost to its send budget. */
  readonly dropped: number;
  /** Messages that could not be serialized (e.g. a BigInt or a cycle in the data): sent to nobody. */
  readonly unencodable: number;
  /** Fan-outs of this channel left to the catch-up because fan-out had used its share of the thread. */
  readonly deferred: number;
  /** Messages held for resumes, and their bytes (estimated for those never serialized). */
  readonly buffered: number;
  readonly bufferedBytes: number;
}

/** What a slow subscriber loses: the newest messages, or all but one in ten past half its budget first. */
export type SlowPolicy = 'drop-newest' | 'thin';

/** Settings of the hub; the live server passes them from its options. */
export interface ChannelHubOptions {
  readonly channels: readonly string[];
  /** Per subscriber: unsent bytes past which it loses messages. */
  readonly maxBackpressureBytes: number;
  /** All subscribers together: their unsent bytes stay near this; each gets an equal share, at most the above. */
  readonly totalBackpressureBytes: number;
  /** Close a subscriber whose drops have lasted this long without a full delivery in between; 0 never closes. */
  readonly slowSubscriberCloseMs: number;
  readonly slowPolicy: SlowPolicy;
  /** The share of wall-clock time fan-out may take (0 to 1); past it, subscribers catch up from the ring. */
  readonly maxFanOutShare: number;
  /**
   * Published messages wait up to this long to go out together; 0 sends each batch as it is
   * published; `auto` waits, after a fan-out of d ms, until d has passed since it ended.
   */
  readonly flushIntervalMs: number | 'auto';
  /** Per channel: messages held for resumes, and their bytes. */
  readonly resumeMessages: number;
  readonly resumeBytes: number;
  /** This server run's stream epoch: a resume from another epoch gets `reset`. */
  readonly epoch: string;
  readonly logger: Logger;
}

/** How a subscribe asks to start: live, or after `fromSeq` of stream `epoch`. */
export interface Resume {
  fromSeq: number;
  epoch: string;
}
