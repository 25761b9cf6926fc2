/**
 * Channels, their subscribers, their sequence numbers, their resume buffers and the fan-out.
 * This is the publish hot path, so it is written for the pipeline's sake, not the subscribers':
 * - a channel nobody listens to costs a ring store and an addition (no serialization);
 * - each message is serialized at most once, lazily, and the same string goes to every
 *   subscriber and stays in the ring for resumes (seq is per channel, not per subscriber);
 * - a subscriber over its share of the send budget loses messages by the configured policy and
 *   is told how many once it drains: nothing here ever waits for a socket, and a subscriber that
 *   stays over its budget too long is closed.
 * A client that resumes (`fromSeq`) is fed from the ring as its socket drains, in seq order, and
 * joins the live stream when it has caught up, so the seam has no gap and no duplicate.
 * Subscriber lists are copy-on-write: a socket closed during a fan-out (by us, for slowness)
 * changes the list without disturbing the loop that is walking the old one.
 */

import { performance } from 'node:perf_hooks';
import { SluiceError } from '../../core/index.ts';
import { CatchUpQueue } from './catch-up-queue.ts';
import { type ChannelState, catchUp, type Entry, messageBytes, newChannelState } from './channel-state.ts';
import type { ServerMessage } from './client-protocol.ts';
import { CLOSE_SLOW_CONSUMER } from './close-codes.ts';
import { FanOutShare } from './fan-out-share.ts';
import type { ChannelHubOptions, ChannelStats, Resume, Subscriber, Subscription } from './hub-types.ts';
import { type FanOutBatch, sendToSubscriber } from './send-to-subscriber.ts';
import { describeFilter, type SubscriberFilter } from './subscriber-filter.ts';

/** Without a flush interval, catch-up runs this often while anyone is behind. */
const CATCH_UP_EVERY_MS = 5;

/** Adaptive coalescing: after a fan-out of d ms, the next waits until d more have passed (fan-out at most half the time). */
const COALESCE_FACTOR = 1;

/** Owns subscriptions and fan-out for the live server; `publish*` is called by the pipeline on its hot path. */
export class ChannelHub {
  readonly #channels = new Map<string, ChannelState>();
  readonly #options: ChannelHubOptions;
  readonly #subscribers = new Set<Subscriber>();
  /** Subscribers closed for reading too slowly. */
  evictions = 0;
  /** Subscriptions catching up from the ring, or owed a `dropped` notice. */
  readonly #behind: CatchUpQueue;
  #flushTimer: NodeJS.Timeout | undefined;
  /** performance.now() before which an adaptive flush waits (see #deliver). */
  #quietUntil = 0;
  readonly #share: FanOutShare;

  constructor(options: ChannelHubOptions) {
    this.#options = options;
    this.#share = new FanOutShare(options.maxFanOutShare);
    const interval = options.flushIntervalMs;
    this.#behind = new CatchUpQueue({
      // As often as live messages are flushed: a subscriber catching up costs one write a flush too.
      everyMs: typeof interval === 'number' && interval > 0 ? interval : CATCH_UP_EVERY_MS,
      share: this.#share,
      tellDropped: ({ sub, state, subscription }) => {
        if (subscription.dropped > 0 && sub.socket.getBufferedAmount() < this.#limit() / 2) {
          this.#reply(sub, { op: 'dropped', channel: state.name, count: subscription.dropped });
          subscription.dropped = 0;
        }
      },
      pump: ({ sub, state, subscription }) => this.#pump(sub, state, subscription),
    });
    for (const name of options.channels) {
      this.#channels.set(name, newChannelState(name, options));
    }
  }

  /**
   * Adds or replaces `sub`'s subscription to `channel` and answers it: `reset` first when a
   * resume names another epoch, then `subscribed`, then `gap` when messages after `fromSeq` have
   * left the ring, then the held messages after it that pass the filter (as the socket drains),
   * then the live stream. Returns false, having sent nothing, when `fromSeq` is ahead of the channel.
   */
  subscribe(
    sub: Subscriber,
    channel: string,
    filter: SubscriberFilter | null,
    resume: Resume | null,
    batch = false,
  ): boolean {
    const state = this.#state(channel);
    const { epoch } = this.#options;
    const sameEpoch = resume !== null && resume.epoch === epoch;
    if (sameEpoch && resume.fromSeq > state.seq) return false;
    const subscription: Subscription = {
      filter,
      cursor: 0,
      liveFrom: state.seq + 1,
      dropped: 0,
      batch,
    };
    sub.channels.set(channel, subscription);
    this.#subscribers.add(sub);
    state.entries = [...state.entries.filter((e) => e.sub !== sub), { sub, subscription }];
    if (resume !== null && !sameEpoch) this.#reply(sub, { op: 'reset', channel, epoch, seq: state.seq });
    this.#reply(sub, {
      op: 'subscribed',
      channel,
      epoch,
      seq: state.seq,
      filter: describeFilter(filter),
      batch,
    });
    if (!sameEpoch) return true;
    let next = resume.fromSeq + 1;
    if (next <= state.seq && next < state.ring.firstSeq) {
      const toSeq = Math.min(state.ring.firstSeq - 1, state.seq);
      this.#reply(sub, { op: 'gap', channel, missed: toSeq - next + 1, fromSeq: next, toSeq });
      next = toSeq + 1;
    }
    if (next <= state.seq) {
      subscription.cursor = next;
      this.#pump(sub, state, subscription);
      if (subscription.cursor !== 0) this.#watchBehind(sub, state, subscription);
    }
    return true;
  }

  /** Removes `sub` from `channel`; returns whether it was subscribed. */
  unsubscribe(sub: Subscriber, channel: string): boolean {
    const state = this.#state(channel);
    if (!sub.channels.delete(channel)) return false;
    state.entries = state.entries.filter((e) => e.sub !== sub);
    if (sub.channels.size === 0) this.#subscribers.delete(sub);
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
    this.#subscribers.delete(sub);
  }

  /**
   * Called from the socket's drain handler: resumes catching up from the ring, and tells the
   * client how many messages it lost, per channel, once its backlog is under half its budget.
   */
  drain(sub: Subscriber): void {
    if (sub.closed) return;
    for (const [channel, subscription] of sub.channels) {
      const state = this.#channels.get(channel);
      if (!state) continue;
      if (subscription.cursor !== 0) this.#pump(sub, state, subscription);
      if (subscription.dropped > 0 && sub.socket.getBufferedAmount() < this.#limit() / 2) {
        this.#reply(sub, { op: 'dropped', channel, count: subscription.dropped });
        subscription.dropped = 0;
      }
    }
  }

  /** Lets a caller skip building records nobody will see. */
  hasSubscribers(channel: string): boolean {
    return (this.#channels.get(channel)?.entries.length ?? 0) > 0;
  }

  /** The channel's last published seq. */
  seqOf(channel: string): number {
    return this.#state(channel).seq;
  }

  /** Publishes one record. Never blocks, never throws for a subscriber's sake. */
  publish(channel: string, data: unknown): void {
    this.publishBatch(channel, [data]);
  }

  /** Publishes records in order, with consecutive seqs; cheaper per record than `publish` (one cork per subscriber). */
  publishBatch(channel: string, items: readonly unknown[]): void {
    const state = this.#state(channel);
    const first = state.seq + 1;
    for (let i = 0; i < items.length; i++) state.ring.push(first + i, items[i]);
    state.seq += items.length;
    if (state.entries.length === 0 || items.length === 0) return;
    const interval = this.#options.flushIntervalMs;
    const waitMs = interval === 'auto' ? this.#quietUntil - performance.now() : interval > 0 ? interval : 0;
    // A flush already waiting takes these too: sending them now would overtake its messages.
    if (waitMs > 0 || this.#flushTimer !== undefined) {
      if (state.pendingFrom === 0) state.pendingFrom = first;
      this.#flushTimer ??= setTimeout(() => this.#flush(), Math.max(1, waitMs));
      return;
    }
    this.#deliver(state, items, first);
  }

  /** Fans `items` (seqs from `first`) out to the live subscribers now, or defers them past the share. */
  #deliver(state: ChannelState, items: readonly unknown[], first: number): void {
    const started = performance.now();
    if (!this.#share.allows(started)) {
      state.deferred++;
      this.#defer(state, first);
      return;
    }
    this.#fanOut(state, items, first, started);
    const took = performance.now() - started;
    this.#share.spend(took);
    // Without a fixed interval, what is published next waits as long as this fan-out took:
    // each subscriber's write is a system call, so a costly fan-out (many subscribers) is spaced
    // out and the next one carries more messages for the same writes.
    if (this.#options.flushIntervalMs === 'auto') this.#quietUntil = started + took * (1 + COALESCE_FACTOR);
  }

  /**
   * Sends what every channel published since the last flush, as one batch per channel: one cork
   * and one write per subscriber per flush, however many batches the pipeline published in
   * between. What the ring no longer holds reaches live subscribers as a `gap`.
   */
  #flush(): void {
    this.#flushTimer = undefined;
    for (const state of this.#channels.values()) {
      const from = state.pendingFrom;
      if (from === 0) continue;
      state.pendingFrom = 0;
      if (state.entries.length === 0) continue;
      if (from < state.ring.firstSeq) {
        this.#defer(state, from);
        continue;
      }
      const items = new Array<unknown>(state.seq - from + 1);
      for (let seq = from; seq <= state.seq; seq++) items[seq - from] = state.ring.item(seq);
      this.#deliver(state, items, from);
    }
  }

  /** Live subscribers of the channel miss this batch's fan-out: each continues from `firstSeq` out of the ring. */
  #defer(state: ChannelState, firstSeq: number): void {
    for (const entry of state.entries) this.#deferOne(state, entry, firstSeq);
  }

  #deferOne(state: ChannelState, { sub, subscription }: Entry, firstSeq: number): void {
    if (sub.closed || subscription.cursor !== 0) return;
    subscription.cursor = Math.max(firstSeq, subscription.liveFrom);
    if (subscription.cursor > state.seq) subscription.cursor = 0;
    else this.#watchBehind(sub, state, subscription);
  }

  /** Puts a subscription under the catch-up timer: catching up from the ring (it is closed if it stalls there), or owed a `dropped` notice. */
  #watchBehind(sub: Subscriber, state: ChannelState, subscription: Subscription): void {
    this.#behind.watch({ sub, state, subscription });
  }

  /** Stops the catch-up timer (the server is closing). */
  close(): void {
    clearTimeout(this.#flushTimer);
    this.#flushTimer = undefined;
    this.#behind.clear();
  }

  stats(): ChannelStats[] {
    return [...this.#channels.values()].map((s) => ({
      channel: s.name,
      subscribers: s.entries.length,
      seq: s.seq,
      sent: s.sent,
      dropped: s.dropped,
      unencodable: s.unencodable,
      deferred: s.deferred,
      buffered: s.ring.held,
      bufferedBytes: s.ring.bytes,
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

  /** Each subscriber's share of the send budget: the total split evenly, never above the per-subscriber limit. */
  #limit(): number {
    const { maxBackpressureBytes, totalBackpressureBytes } = this.#options;
    const share = totalBackpressureBytes / Math.max(1, this.#subscribers.size);
    return Math.min(maxBackpressureBytes, Math.max(16 * 1024, share));
  }

  #reply(sub: Subscriber, message: ServerMessage): void {
    if (!sub.closed) sub.socket.send(JSON.stringify(message), false);
  }

  /** Feeds a catching-up subscription (catchUp); one reading nothing is closed like one that drops. */
  #pump(sub: Subscriber, state: ChannelState, subscription: Subscription): void {
    const limit = this.#limit();
    catchUp(sub, state, subscription, limit, this.#options.logger, () =>
      this.#noteDropping(sub, Date.now(), limit),
    );
  }

  #fanOut(state: ChannelState, items: readonly unknown[], firstSeq: number, startedMs = 0): void {
    // One slot per item, filled on first need: a message that matches no filter is never serialized.
    const encoded: Array<Uint8Array | null | undefined> = new Array(items.length);
    const encodeAt = (i: number): Uint8Array | null => {
      let message = encoded[i];
      if (message === undefined)
        message = encoded[i] = messageBytes(state, firstSeq + i, items[i], this.#options.logger);
      return message;
    };
    const batch: FanOutBatch = { items, firstSeq, encodeAt, shared: [] };
    const entries = state.entries;
    const limit = this.#limit();
    const thin = this.#options.slowPolicy === 'thin';
    let now = 0;
    const allowedMs = this.#share.remainingMs();
    for (let e = 0; e < entries.length; e++) {
      const { sub, subscription } = entries[e]!;
      if (sub.closed || subscription.cursor !== 0) continue;
      // Past the share mid-way: the subscribers not served yet catch up from the ring instead.
      if ((e & 15) === 15 && startedMs > 0 && performance.now() - startedMs > allowedMs) {
        state.deferred++;
        for (let rest = e; rest < entries.length; rest++) this.#deferOne(state, entries[rest]!, firstSeq);
        return;
      }
      // Messages before liveFrom reached it while it caught up, or were published before it subscribed.
      const from = Math.max(0, subscription.liveFrom - firstSeq);
      subscription.liveFrom = Math.max(subscription.liveFrom, firstSeq + items.length);
      const { sent, dropped } = sendToSubscriber(sub, subscription, batch, from, limit, thin);
      state.sent += sent;
      if (dropped === 0) {
        if (sent > 0) sub.droppingSince = 0;
        continue;
      }
      state.dropped += dropped;
      subscription.dropped += dropped;
      this.#watchBehind(sub, state, subscription);
      if (now === 0) now = Date.now();
      this.#noteDropping(sub, now, limit);
    }
  }

  /** A subscriber that could not be given its messages: starts its run of drops, or closes it once the run has lasted slowSubscriberCloseMs. */
  #noteDropping(sub: Subscriber, now: number, limit: number): void {
    if (sub.droppingSince === 0) sub.droppingSince = now;
    else if (
      this.#options.slowSubscriberCloseMs > 0 &&
      now - sub.droppingSince >= this.#options.slowSubscriberCloseMs
    )
      this.#closeSlow(sub, now, limit);
  }

  #closeSlow(sub: Subscriber, now: number, limit: number): void {
    const overMs = now - sub.droppingSince;
    this.evictions++;
    this.#options.logger.warn(
      { subscriber: sub.id, overMs, limitBytes: limit },
      'live feed: closing slow subscriber',
    );
    // end() runs our close handler synchronously, which calls remove(): the entries array
    // being walked by #fanOut is a snapshot, and `closed` makes the loop skip this one.
    sub.socket.end(CLOSE_SLOW_CONSUMER, `slow consumer: over ${limit} B backlog for ${overMs} ms`);
  }
}
