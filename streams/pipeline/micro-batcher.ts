import { performance } from 'node:perf_hooks';

/** Closing rule of a micro-batch: whichever of size and delay comes first. */
export interface MicroBatcherOptions {
  maxBatchSize: number;
  maxDelayMs: number;
}

/** Receives each closed batch, why it closed, and how long it was open (its first item's wait). */
export type OnBatch<T> = (batch: T[], reason: 'size' | 'delay' | 'flush', waitedMs: number) => void;

/**
 * Groups items into batches that close at `maxBatchSize` items or `maxDelayMs` after the first item,
 * whichever comes first. Items keep their arrival order, across partitions, so results split back
 * in order. The topology adds decoded events and receives each closed batch through `onBatch`.
 */
export class MicroBatcher<T> {
  readonly #options: MicroBatcherOptions;
  readonly #onBatch: OnBatch<T>;
  #items: T[] = [];
  #timer: NodeJS.Timeout | undefined;
  #openedAt = 0;

  #maxBatchSize: number;

  constructor(options: MicroBatcherOptions, onBatch: OnBatch<T>) {
    this.#options = options;
    this.#maxBatchSize = options.maxBatchSize;
    this.#onBatch = onBatch;
  }

  get maxBatchSize(): number {
    return this.#maxBatchSize;
  }

  /** A new size at which batches close (the latency-budget controller's); applies from the next item. */
  setMaxBatchSize(size: number): void {
    this.#maxBatchSize = size;
    if (this.#items.length >= size) this.#close('size');
  }

  get size(): number {
    return this.#items.length;
  }

  add(item: T): void {
    const size = this.#items.push(item);
    if (size === 1) this.#openedAt = performance.now();
    if (size >= this.#maxBatchSize) this.#close('size');
    else if (size === 1) this.#arm();
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
    this.#onBatch(batch, reason, performance.now() - this.#openedAt);
  }
}
