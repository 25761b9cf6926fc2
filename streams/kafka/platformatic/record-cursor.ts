/**
 * Reads a v2 record batch's records in place: zig-zag varints, varlongs (as doubles, exact to
 * 2^53) and length-prefixed bytes (views, not copies). Throws a RangeError on bytes that run past
 * the end or a varint too long, so a corrupt record fails where it is read.
 */
export class RecordCursor {
  readonly buffer: Buffer;
  position = 0;
  #end: number;

  constructor(buffer: Buffer, end = buffer.length) {
    this.buffer = buffer;
    this.#end = end;
  }

  /** Reads up to `end` from here on (a record's own end), not past it. */
  limit(end: number): void {
    if (end > this.buffer.length) throw new RangeError('record runs past its batch');
    this.#end = end;
  }

  get end(): number {
    return this.#end;
  }

  skip(bytes: number): void {
    this.position += bytes;
    if (this.position > this.#end) throw new RangeError('record runs past its end');
  }

  /** A zig-zag varint (a record's length, deltas, counts). */
  varInt(): number {
    const unsigned = this.#unsigned(5);
    return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
  }

  /** A zig-zag varlong (the timestamp delta), as a double. */
  varLong(): number {
    const unsigned = this.#unsigned(10);
    return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
  }

  /** Length-prefixed bytes: a view into the batch, or null for length -1. */
  bytes(): Buffer | null {
    const length = this.varInt();
    if (length < 0) return null;
    const start = this.position;
    this.skip(length);
    return this.buffer.subarray(start, start + length);
  }

  #unsigned(maxBytes: number): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < maxBytes; i++) {
      if (this.position >= this.#end) throw new RangeError('varint runs past the record');
      const byte = this.buffer[this.position++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
    throw new RangeError('varint longer than its type allows');
  }
}
