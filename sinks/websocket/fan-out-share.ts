/** Fan-out time is accounted in windows of this length. */
const WINDOW_MS = 100;

/**
 * How much of the main thread sending to subscribers has used in the current 100 ms window,
 * against `websocket.maxFanOutShare`. Past the share, the hub leaves subscribers to catch up from
 * the resume buffers, so a thousand of them cost the pipeline a bounded share of its thread, not
 * whatever they could read. A share of 1 never holds fan-out back.
 */
export class FanOutShare {
  readonly #share: number;
  #windowStart = 0;
  #spentMs = 0;

  constructor(share: number) {
    this.#share = share;
  }

  /** Whether fan-out may start at `nowMs` (performance.now()). */
  allows(nowMs: number): boolean {
    if (this.#share >= 1) return true;
    if (nowMs - this.#windowStart >= WINDOW_MS) {
      this.#windowStart = nowMs;
      this.#spentMs = 0;
    }
    return this.#spentMs < this.#share * WINDOW_MS;
  }

  /** What is left of the window's share, in ms (infinite for a share of 1). */
  remainingMs(): number {
    return this.#share >= 1 ? Number.POSITIVE_INFINITY : this.#share * WINDOW_MS - this.#spentMs;
  }

  spend(ms: number): void {
    this.#spentMs += ms;
  }
}
