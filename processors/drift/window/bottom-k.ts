/** One sampled event: its hash and id (the ordering key) and its value in each numeric column. */
export interface SampledEvent {
  hash: number;
  id: string;
  values: Float64Array;
}

/** Whether (hashA, idA) comes before (hashB, idB) in the sample's order: by hash, then by id (equal hashes are rare, never ambiguous). */
function before(hashA: number, idA: string, hashB: number, idB: string): boolean {
  return hashA < hashB || (hashA === hashB && idA < idB);
}

/**
 * The k events with the smallest (hash, id) seen so far: a deterministic sample, so the bottom k of
 * the union of several replicas' samples is exactly the bottom k one process seeing every event
 * would keep. A max-heap on (hash, id): an event is kept only when it beats the largest kept one,
 * so once full the cost per event is one comparison, plus O(log k) for the few that enter.
 *
 * The heap is three parallel arrays (hash, id, slot) and the values live in one growing
 * Float64Array of `width` numbers a slot: an event that enters copies its values into the slot of
 * the one it evicts, so a window's sample allocates nothing per event once it has grown.
 */
export class BottomKSample {
  readonly k: number;
  /** Values per event. */
  readonly width: number;
  #size = 0;
  #hashes: Float64Array;
  #ids: string[] = [];
  #slots: Int32Array;
  #values: Float64Array;

  constructor(k: number, width: number) {
    if (!(Number.isInteger(k) && k > 0)) throw new RangeError('the sample size must be a positive integer');
    this.k = k;
    this.width = width;
    const capacity = Math.min(k, 64);
    this.#hashes = new Float64Array(capacity);
    this.#slots = new Int32Array(capacity);
    this.#values = new Float64Array(capacity * width);
  }

  get size(): number {
    return this.#size;
  }

  /** Whether an event with this key would enter (callers skip passing its values otherwise). */
  admits(hash: number, id: string): boolean {
    if (this.#size < this.k) return true;
    return before(hash, id, this.#hashes[0]!, this.#ids[0]!);
  }

  /** Offers an event; its `width` values from `values[from]` on are copied when it enters. */
  add(hash: number, id: string, values: ArrayLike<number>, from = 0): void {
    if (this.#size < this.k) {
      if (this.#size === this.#hashes.length) this.#grow();
      const at = this.#size++;
      this.#place(at, hash, id, at, values, from);
      this.#up(at);
    } else if (before(hash, id, this.#hashes[0]!, this.#ids[0]!)) {
      this.#place(0, hash, id, this.#slots[0]!, values, from);
      this.#down(0);
    }
  }

  /** Adds every event of another sample (the merge of two replicas' states). */
  merge(other: BottomKSample): void {
    for (let i = 0; i < other.#size; i++) {
      const slot = other.#slots[i]! * other.width;
      this.add(other.#hashes[i]!, other.#ids[i]!, other.#values, slot);
    }
  }

  /** The kept events in (hash, id) order, each with a copy of its values: the same order whatever order they arrived in. */
  events(): SampledEvent[] {
    const events: SampledEvent[] = [];
    for (let i = 0; i < this.#size; i++) {
      const slot = this.#slots[i]! * this.width;
      events.push({
        hash: this.#hashes[i]!,
        id: this.#ids[i]!,
        values: this.#values.slice(slot, slot + this.width),
      });
    }
    return events.sort((a, b) =>
      before(a.hash, a.id, b.hash, b.id) ? -1 : before(b.hash, b.id, a.hash, a.id) ? 1 : 0,
    );
  }

  /** Column `c` of every kept event, in no particular order. */
  column(c: number): Float64Array {
    const out = new Float64Array(this.#size);
    for (let i = 0; i < this.#size; i++) out[i] = this.#values[this.#slots[i]! * this.width + c]!;
    return out;
  }

  #place(at: number, hash: number, id: string, slot: number, values: ArrayLike<number>, from: number): void {
    this.#hashes[at] = hash;
    this.#ids[at] = id;
    this.#slots[at] = slot;
    const into = this.#values;
    const offset = slot * this.width;
    for (let j = 0; j < this.width; j++) into[offset + j] = values[from + j]!;
  }

  #grow(): void {
    const capacity = Math.min(this.k, this.#hashes.length * 2);
    const hashes = new Float64Array(capacity);
    hashes.set(this.#hashes);
    this.#hashes = hashes;
    const slots = new Int32Array(capacity);
    slots.set(this.#slots);
    this.#slots = slots;
    const values = new Float64Array(capacity * this.width);
    values.set(this.#values);
    this.#values = values;
  }

  #swap(i: number, j: number): void {
    const hashes = this.#hashes;
    const ids = this.#ids;
    const slots = this.#slots;
    const hash = hashes[i]!;
    hashes[i] = hashes[j]!;
    hashes[j] = hash;
    const id = ids[i]!;
    ids[i] = ids[j]!;
    ids[j] = id;
    const slot = slots[i]!;
    slots[i] = slots[j]!;
    slots[j] = slot;
  }

  /** Whether heap entry i comes before entry j. */
  #precedes(i: number, j: number): boolean {
    return before(this.#hashes[i]!, this.#ids[i]!, this.#hashes[j]!, this.#ids[j]!);
  }

  #up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.#precedes(parent, i)) return;
      this.#swap(parent, i);
      i = parent;
    }
  }

  #down(i: number): void {
    const size = this.#size;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let largest = i;
      if (left < size && this.#precedes(largest, left)) largest = left;
      if (right < size && this.#precedes(largest, right)) largest = right;
      if (largest === i) return;
      this.#swap(largest, i);
      i = largest;
    }
  }
}
