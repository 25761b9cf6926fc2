/**
 * One `poll()` at a time per consumer client, and a way for `close()` to wait for the running one
 * (its rebalance listener included) before the client goes away.
 */
export class PollGuard {
  readonly #owner: string;
  #active = false;
  #waiters: Array<() => void> = [];

  constructor(owner: string) {
    this.#owner = owner;
  }

  enter(): void {
    if (this.#active) throw new Error(`${this.#owner}: poll() while another poll() is pending`);
    this.#active = true;
  }

  exit(): void {
    this.#active = false;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }

  /** Resolves once no poll is running. */
  idle(): Promise<void> {
    if (!this.#active) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}
