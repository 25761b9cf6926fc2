/**
 * The subscriptions that are behind the live stream: catching up from the resume ring (fan-out
 * was past its share, or they resumed with `fromSeq`), or owed a `dropped` notice. A timer serves
 * them in turn, within the fan-out share, each one write per turn, the served going to the back of
 * the line, so a thousand of them share the time evenly and none holds the thread.
 */
import { performance } from 'node:perf_hooks';
import type { ChannelState } from './channel-state.ts';
import type { FanOutShare } from './fan-out-share.ts';
import type { Subscriber, Subscription } from './hub-types.ts';

/** One subscription behind, with what serving it needs. */
export interface Behind {
  readonly sub: Subscriber;
  readonly state: ChannelState;
  readonly subscription: Subscription;
}

/** What the hub does for the queue. */
export interface CatchUpHooks {
  /** How often the queue is served while anyone is in it. */
  readonly everyMs: number;
  readonly share: FanOutShare;
  /** Sends the owed `dropped` notice once the subscriber has room for it. */
  tellDropped(behind: Behind): void;
  /** One catch-up write from the ring. */
  pump(behind: Behind): void;
}

export class CatchUpQueue {
  readonly #hooks: CatchUpHooks;
  readonly #behind = new Map<Subscription, Behind>();
  #timer: NodeJS.Timeout | undefined;

  constructor(hooks: CatchUpHooks) {
    this.#hooks = hooks;
  }

  /** Puts a subscription under the timer (once); it leaves when caught up and owed nothing. */
  watch(behind: Behind): void {
    if (!this.#behind.has(behind.subscription)) this.#behind.set(behind.subscription, behind);
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#serve(), this.#hooks.everyMs);
      this.#timer.unref();
    }
  }

  /** Stops the timer and forgets everyone (the server is closing). */
  clear(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#behind.clear();
  }

  /**
   * Serves the queue: the `dropped` notices first (a socket that drained completely raises no
   * further drain event, so they do not wait for one), then a write for each subscription still
   * catching up, while the share allows.
   */
  #serve(): void {
    const { share } = this.#hooks;
    // A snapshot: entries served go to the back of the map, and must not come round again this tick.
    for (const behind of [...this.#behind.values()]) {
      const { sub, state, subscription } = behind;
      if (sub.closed || sub.channels.get(state.name) !== subscription) {
        this.#behind.delete(subscription);
        continue;
      }
      this.#hooks.tellDropped(behind);
      if (subscription.cursor === 0) {
        if (subscription.dropped === 0) this.#behind.delete(subscription);
        continue;
      }
      const started = performance.now();
      if (!share.allows(started)) return;
      this.#hooks.pump(behind);
      share.spend(performance.now() - started);
      // To the back of the line: when the share runs out, the next tick starts with the others.
      this.#behind.delete(subscription);
      if (subscription.cursor !== 0 || subscription.dropped > 0) this.#behind.set(subscription, behind);
    }
    if (this.#behind.size === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
    }
  }
}
