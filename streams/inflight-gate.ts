/**
 * Bounds records between fetch and ack for one process. The consumer loop asks `capacity()` before
 * each poll and pauses its partitions when it reaches zero; acks drain it, and once it falls to the
 * resume mark the loop resumes. Memory therefore stays flat under overload while lag grows.
 */
export class InFlightGate {
  #limit: number;
  #resumeAt: number;
  readonly #resumeRatio: number;
  #count = 0;
  #waiters: Array<() => void> = [];

  constructor(limit: number, resumeRatio: number) {
    this.#resumeRatio = resumeRatio;
    this.#limit = limit;
    this.#resumeAt = Math.floor(limit * resumeRatio);
  }

  get limit(): number {
    return this.#limit;
  }

  get resumeAt(): number {
    return this.#resumeAt;
  }

  /** A new bound (the latency-budget controller's); records already in flight stay. */
  setLimit(limit: number): void {
    this.#limit = limit;
    this.#resumeAt = Math.floor(limit * this.#resumeRatio);
    if (this.#waiters.length > 0 && this.#count <= this.#resumeAt) this.#wake();
  }

  get count(): number {
    return this.#count;
  }

  capacity(): number {
    return Math.max(0, this.#limit - this.#count);
  }

  acquire(n: number): void {
    this.#count += n;
  }

  release = (n: number): void => {
    this.#count -= n;
    if (this.#waiters.length > 0 && this.#count <= this.#resumeAt) this.#wake();
  };

  /** Resolves when in-flight has drained to the resume mark (or to `target`), or after `timeoutMs`. */
  waitForDrain(timeoutMs: number, target = this.#resumeAt): Promise<boolean> {
    if (this.#count <= target) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs);
      const check = () => {
        if (this.#count <= target) finish(true);
        else this.#waiters.push(check);
      };
      const finish = (drained: boolean) => {
        clearTimeout(timer);
        resolve(drained);
      };
      this.#waiters.push(check);
    });
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter();
  }
}
