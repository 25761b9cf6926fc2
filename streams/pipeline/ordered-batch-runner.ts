/** How the runner treats each batch: `process` may overlap across batches, `deliver` runs strictly in order. */
export interface OrderedBatchRunnerOptions<I, O> {
  /** Batches processed at once (e.g. enrich + infer of batch n+1 while batch n is inferring). */
  maxConcurrent: number;
  process: (batch: I) => Promise<O>;
  /** Runs in submission order, one at a time, so per-key order survives overlapping `process` calls. */
  deliver: (result: O, batch: I) => Promise<void>;
  /** A throw from process/deliver is a bug or an unrecoverable failure: the owner decides what to do. */
  onFatal: (error: unknown) => void;
}

/**
 * Runs batches through an async stage with bounded overlap and hands their results on in the order
 * the batches were submitted. The topology's batcher submits; the runner calls the sinks.
 */
export class OrderedBatchRunner<I, O> {
  readonly #options: OrderedBatchRunnerOptions<I, O>;
  #processing = 0;
  #pending = 0;
  #waiting: Array<() => void> = [];
  #deliveries: Promise<void> = Promise.resolve();

  #maxConcurrent: number;

  constructor(options: OrderedBatchRunnerOptions<I, O>) {
    this.#options = options;
    this.#maxConcurrent = options.maxConcurrent;
  }

  get maxConcurrent(): number {
    return this.#maxConcurrent;
  }

  /** A new overlap bound (the latency-budget controller's); batches already running finish. */
  setMaxConcurrent(maxConcurrent: number): void {
    this.#maxConcurrent = maxConcurrent;
    while (this.#waiting.length > 0 && this.#processing < this.#maxConcurrent) {
      this.#processing++;
      this.#waiting.shift()!();
    }
  }

  /** Batches submitted and not yet delivered. */
  get pending(): number {
    return this.#pending;
  }

  submit(batch: I): void {
    this.#pending++;
    const processed = this.#acquire().then(async () => {
      try {
        return await this.#options.process(batch);
      } finally {
        this.#releaseSlot();
      }
    });
    // Swallowed here and surfaced through the delivery chain, so no rejection goes unhandled.
    processed.catch(() => undefined);
    this.#deliveries = this.#deliveries
      .then(() => processed)
      .then((result) => this.#options.deliver(result, batch))
      .catch((error: unknown) => this.#options.onFatal(error))
      .finally(() => {
        this.#pending--;
      });
  }

  #acquire(): Promise<void> {
    if (this.#processing < this.#maxConcurrent) {
      this.#processing++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  #releaseSlot(): void {
    // Past a lowered bound, a finished batch's slot is given up rather than handed on.
    const next = this.#processing <= this.#maxConcurrent ? this.#waiting.shift() : undefined;
    if (next) next();
    else this.#processing--;
  }
}
