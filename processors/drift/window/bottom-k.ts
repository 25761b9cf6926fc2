/** One sampled event: its hash and id (the ordering key) and its value in each numeric column. */
export interface SampledEvent {
  hash: number;
  id: string;
  values: Float64Array;
}

/** Whether a comes before b in the sample's order: by hash, then by id (equal hashes are rare, never ambiguous). */
function before(a: SampledEvent, b: SampledEvent): boolean {
  return a.hash < b.hash || (a.hash === b.hash && a.id < b.id);
}

/**
 * The k events with the smallest (hash, id) seen so far: a deterministic sample, so the bottom k of
 * the union of several replicas' samples is exactly the bottom k one process seeing every event
 * would keep. A max-heap on (hash, id): an event is kept only when it beats the largest kept one,
 * so once full the cost per event is one comparison, plus O(log k) for the few that enter.
 */
export class BottomKSample {
  readonly k: number;
  readonly #heap: SampledEvent[] = [];

  constructor(k: number) {
    if (!(Number.isInteger(k) && k > 0)) throw new RangeError('the sample size must be a positive integer');
    this.k = k;
  }

  get size(): number {
    return this.#heap.length;
  }

  /** Whether an event with this key would enter (callers skip building its values otherwise). */
  admits(hash: number, id: string): boolean {
    if (this.#heap.length < this.k) return true;
    const top = this.#heap[0]!;
    return hash < top.hash || (hash === top.hash && id < top.id);
  }

  add(event: SampledEvent): void {
    const heap = this.#heap;
    if (heap.length < this.k) {
      heap.push(event);
      this.#up(heap.length - 1);
    } else if (before(event, heap[0]!)) {
      heap[0] = event;
      this.#down(0);
    }
  }

  /** Adds every event of another sample (the merge of two replicas' states). */
  merge(other: BottomKSample): void {
    for (const event of other.events()) this.add(event);
  }

  /** The kept events in (hash, id) order: the same order whatever order they arrived in. */
  events(): SampledEvent[] {
    return [...this.#heap].sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }

  #up(i: number): void {
    const heap = this.#heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[parent]!, heap[i]!)) return;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  #down(i: number): void {
    const heap = this.#heap;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let largest = i;
      if (left < heap.length && before(heap[largest]!, heap[left]!)) largest = left;
      if (right < heap.length && before(heap[largest]!, heap[right]!)) largest = right;
      if (largest === i) return;
      [heap[largest], heap[i]] = [heap[i]!, heap[largest]!];
      i = largest;
    }
  }
}
