/**
 * A token bucket for one connection's subscribes: `perSecond` a second, in bursts of as many, so a
 * client re-subscribing in a loop gets `rate_limited` replies instead of the server's attention.
 */
export class SubscribeRate {
  readonly #perSecond: number;
  #tokens: number;
  #refilledAtMs = 0;

  constructor(perSecond: number) {
    this.#perSecond = perSecond;
    this.#tokens = perSecond;
  }

  /** Takes one token at `nowMs`; false when none is left. */
  take(nowMs: number): boolean {
    if (this.#refilledAtMs !== 0)
      this.#tokens = Math.min(
        this.#perSecond,
        this.#tokens + ((nowMs - this.#refilledAtMs) / 1000) * this.#perSecond,
      );
    this.#refilledAtMs = nowMs;
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }
}
