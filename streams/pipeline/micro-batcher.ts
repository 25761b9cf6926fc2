/** Closing rule of a micro-batch: whichever of size and delay comes first. */
export interface MicroBatcherOptions {
  maxBatchSize: number;
  maxDelayMs: number;
}

/**
 * Groups items into batches that close at `maxBatchSize` items or `maxDelayMs` after the first item,
 * whichever comes first. Items keep their arrival order, across partitions, so results split back
 * in order. The topology adds decoded events and receives each closed batch through `onBatch`.
 */
export class MicroBatcher<T> {
  readonly #options: MicroBatcherOptions;
  readonly #onBatch: (batch: T[], reason: 'size' | 'delay' | 'flush') => void;
  #items: T[] = [];
  #timer: NodeJS.Timeout | undefined;

  constructor(
    options: MicroBatcherOptions,
    onBatch: (batch: T[], reason: 'size' | 'delay' | 'flush') => void,
  ) {
    this.#options = options;
    this.#onBatch = onBatch;
  }

  get size(): number {
    return this.#items.length;
  }

  add(item: T): void {
    this.#items.push(item);
    if (this.#items.length >= this.#options.maxBatchSize) this.#close('size');
    else if (this.#items.length === 1) this.#arm();
  }

  /** Closes the open batch now (shutdown, rebalance). */
  flush(): void {
    if (this.#items.length > 0) this.#close('flush');
  }

  #arm(): void {
    if (this.#options.maxDelayMs === 0) {
      // A zero delay still lets the rest of the current poll join the batch.
      queueMicrotask(() => this.#items.length > 0 && this.#close('delay'));
      return;
    }
    this.#timer = setTimeout(() => this.#close('delay'), this.#options.maxDelayMs);
  }

  #close(reason: 'size' | 'delay' | 'flush'): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#items;
    this.#items = [];
    this.#onBatch(batch, reason);
  }
}
