/**
 * The recent messages of one channel, for clients that resume with `fromSeq`: a circular buffer
 * bounded in count and in bytes. Publishing stores the record itself (a reference, no copy and no
 * serialization), so a channel nobody listens to still costs next to nothing; a message is
 * serialized once, when a subscriber or a resume first needs it, and its UTF-8 bytes are kept with
 * it (uWS sends bytes as they are; a string it would convert again for every subscriber).
 * Bytes are exact for messages serialized so far and estimated, at the channel's running average
 * message size, for the others.
 */
export class ChannelRing {
  readonly #capacity: number;
  readonly #maxBytes: number;
  readonly #items: unknown[];
  readonly #texts: Array<Uint8Array | undefined>;
  /** Bytes each held message counts for (its text's length, or the estimate it was stored with). */
  readonly #sizes: Float64Array;
  /** Seq of the oldest held message; held messages are firstSeq … lastSeq. */
  #firstSeq = 1;
  #lastSeq = 0;
  #bytes = 0;
  #encodedBytes = 0;
  #encodedCount = 0;

  constructor(maxMessages: number, maxBytes: number) {
    this.#capacity = Math.max(0, maxMessages);
    this.#maxBytes = maxBytes;
    this.#items = new Array(this.#capacity);
    this.#texts = new Array(this.#capacity);
    this.#sizes = new Float64Array(this.#capacity);
  }

  /** The oldest seq a resume can still get (lastSeq + 1 when nothing is held). */
  get firstSeq(): number {
    return this.#firstSeq;
  }

  get lastSeq(): number {
    return this.#lastSeq;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get held(): number {
    return this.#lastSeq - this.#firstSeq + 1;
  }

  /** Stores the message published with `seq` (always lastSeq + 1), evicting the oldest past either bound. */
  push(seq: number, item: unknown): void {
    this.#lastSeq = seq;
    if (this.#capacity === 0) {
      this.#firstSeq = seq + 1;
      return;
    }
    if (this.held > this.#capacity) this.#evictOldest();
    const slot = seq % this.#capacity;
    const size = this.#estimate();
    this.#items[slot] = item;
    this.#texts[slot] = undefined;
    this.#sizes[slot] = size;
    this.#bytes += size;
    while (this.#bytes > this.#maxBytes && this.held > 1) this.#evictOldest();
  }

  /** Whether `seq` is still held. */
  holds(seq: number): boolean {
    return seq >= this.#firstSeq && seq <= this.#lastSeq;
  }

  /** The record published with a held `seq`. */
  item(seq: number): unknown {
    return this.#items[seq % this.#capacity];
  }

  /** The bytes of a held `seq`, serializing it with `encode` the first time; null when it cannot be serialized. */
  text(seq: number, encode: (seq: number, item: unknown) => Uint8Array | null): Uint8Array | null {
    const slot = seq % this.#capacity;
    const cached = this.#texts[slot];
    if (cached !== undefined) return cached;
    const text = encode(seq, this.#items[slot]);
    if (text === null) return null;
    this.#texts[slot] = text;
    this.#bytes += text.length - this.#sizes[slot]!;
    this.#sizes[slot] = text.length;
    this.#encodedBytes += text.length;
    this.#encodedCount++;
    while (this.#bytes > this.#maxBytes && this.held > 1) this.#evictOldest();
    return text;
  }

  #estimate(): number {
    return this.#encodedCount === 0 ? 256 : this.#encodedBytes / this.#encodedCount;
  }

  #evictOldest(): void {
    const slot = this.#firstSeq % this.#capacity;
    this.#bytes -= this.#sizes[slot]!;
    this.#items[slot] = undefined;
    this.#texts[slot] = undefined;
    this.#sizes[slot] = 0;
    this.#firstSeq++;
  }
}
