// setTimeout treats anything longer as 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A change notification between the two sides of the consumer bridge (kafkajs's `eachBatch` and the
 * engine's `poll`). Waiters re-check their own condition after each wake; `notify` wakes them all.
 */
export class Signal {
  #waiters = new Set<() => void>();

  /** Resolves on the next `notify`, or after `timeoutMs`. */
  wait(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(Math.max(0, timeoutMs), MAX_TIMER_MS));
      this.#waiters.add(done);
    });
  }

  notify(): void {
    if (this.#waiters.size === 0) return;
    const waiters = this.#waiters;
    this.#waiters = new Set();
    for (const wake of waiters) wake();
  }
}
