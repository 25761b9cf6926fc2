/** 0 closed, 1 half-open, 2 open: the values of the `sluice_feature_store_breaker_state` gauge. */
export const BREAKER_STATES = { closed: 0, 'half-open': 1, open: 2 } as const;
export type BreakerState = keyof typeof BREAKER_STATES;

/** When the breaker trips and how long it stays open (`features.redis.breaker`). */
export interface CircuitBreakerOptions {
  failureThreshold: number;
  openMs: number;
  now?: () => number;
}

/**
 * A small circuit breaker: `failureThreshold` consecutive failures open it; after `openMs` one
 * trial call is let through (half-open), whose success closes it and whose failure opens it again.
 * Calls refused while open fail fast, so an outage costs no timeouts per batch.
 */
export class CircuitBreaker {
  readonly #options: CircuitBreakerOptions;
  readonly #now: () => number;
  #state: BreakerState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #trialInFlight = false;

  constructor(options: CircuitBreakerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get state(): BreakerState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#options.openMs) return 'half-open';
    return this.#state;
  }

  /** Whether a call may go ahead now; a true answer in half-open makes that call the trial. */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#trialInFlight) return false;
    this.#state = 'half-open';
    this.#trialInFlight = true;
    return true;
  }

  onSuccess(): void {
    this.#failures = 0;
    this.#trialInFlight = false;
    this.#state = 'closed';
  }

  onFailure(): void {
    this.#trialInFlight = false;
    this.#failures++;
    if (this.#state === 'half-open' || this.#failures >= this.#options.failureThreshold) {
      this.#state = 'open';
      this.#openedAt = this.#now();
    }
  }
}
