import { performance } from 'node:perf_hooks';

/** Fan-out time is accounted in windows of this length. */
const WINDOW_MS = 100;

/** Of the thread's time, this much is left to everything else even when it was idle. */
const HEADROOM = 0.2;

/** The thread's busy time so far, in ms (the event loop's active time in production). */
export type BusyClock = () => number;

const eventLoopBusyMs: BusyClock = () => performance.eventLoopUtilization().active;

/**
 * How much of the main thread sending to subscribers may use in each 100 ms window, and how much
 * it has used. The pipeline shares that thread, so the allowance follows what the pipeline left:
 * at least `websocket.maxFanOutShare` of the window, and up to what the previous window left idle
 * (less 20% headroom). A pipeline draining a backlog keeps the thread busy and fan-out gets its
 * share; a pipeline at a few hundred events a second leaves most of the thread to fan-out. Past
 * the allowance, the hub leaves subscribers to catch up from the resume buffers, so a thousand of
 * them cost the pipeline a bounded share of its thread, not whatever they could read.
 * A share of 1 never holds fan-out back.
 */
export class FanOutShare {
  readonly #share: number;
  readonly #busyMs: BusyClock;
  #windowStart = 0;
  /** Fan-out time in the current window. */
  #spentMs = 0;
  /** Time the last window's fan-out ran past its allowance, charged to this one. */
  #carriedMs = 0;
  #allowedMs: number;
  #busyAtWindowStart = 0;

  constructor(share: number, busyMs: BusyClock = eventLoopBusyMs) {
    this.#share = share;
    this.#busyMs = busyMs;
    this.#allowedMs = Math.max(share, 1 - HEADROOM) * WINDOW_MS;
  }

  /** Whether fan-out may start at `nowMs` (performance.now()). */
  allows(nowMs: number): boolean {
    if (this.#share >= 1) return true;
    const elapsed = nowMs - this.#windowStart;
    if (elapsed >= WINDOW_MS) this.#nextWindow(nowMs, elapsed);
    return this.#carriedMs + this.#spentMs < this.#allowedMs;
  }

  /** What is left of the window's allowance, in ms (infinite for a share of 1). */
  remainingMs(): number {
    return this.#share >= 1 ? Number.POSITIVE_INFINITY : this.#allowedMs - this.#carriedMs - this.#spentMs;
  }

  spend(ms: number): void {
    this.#spentMs += ms;
  }

  /** The current window's allowance as a share of the window (for tests and metrics). */
  allowedShare(): number {
    return this.#share >= 1 ? 1 : this.#allowedMs / WINDOW_MS;
  }

  #nextWindow(nowMs: number, elapsed: number): void {
    const busy = this.#busyMs();
    if (this.#windowStart === 0) {
      // The first window: nothing measured yet, as if the thread had been idle (one window at most).
      this.#windowStart = nowMs;
      this.#busyAtWindowStart = busy;
      return;
    }
    // The thread's busy time in the window that ended, less fan-out's own: what the pipeline used.
    const othersShare = Math.max(0, busy - this.#busyAtWindowStart - this.#spentMs) / elapsed;
    const idleShare = 1 - HEADROOM - othersShare;
    const previousAllowedMs = this.#allowedMs;
    this.#allowedMs = Math.min(1, Math.max(this.#share, idleShare)) * WINDOW_MS;
    this.#busyAtWindowStart = busy;
    this.#windowStart = nowMs;
    // A send that ran past the allowance (one subscriber's batch cannot be cut) is paid for here.
    this.#carriedMs = Math.max(0, this.#carriedMs + this.#spentMs - previousAllowedMs);
    this.#spentMs = 0;
  }
}
