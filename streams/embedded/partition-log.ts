import type { InputRecord, RecordHeaders } from '../types.ts';

/** What a partition log wakes after an append: a consumer blocked in `poll()` (idempotent, cheap). */
export interface AppendWaiter {
  wake(): void;
}

// Segments bound the work of dropping old records: retention drops whole segments, never copies a
// live array, and keeps at most retention + one segment (≤ 1.25 × retention) records.
const MAX_SEGMENT_RECORDS = 8192;

/**
 * One partition's append-only log of the embedded broker. The producer appends and then calls
 * `notifyAppended` once per batch; consumers read fresh arrays of shared, immutable records by offset.
 */
export class PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly #segmentSize: number;
  readonly #retention: number;
  /** Every segment but the last is full, so an offset's segment is found by division. */
  readonly #segments: InputRecord[][] = [[]];
  #start = 0;
  #end = 0;
  #appendedSinceNotify = false;
  readonly #waiters = new Set<AppendWaiter>();

  constructor(topic: string, partition: number, retentionRecords: number) {
    this.topic = topic;
    this.partition = partition;
    this.#retention = retentionRecords;
    this.#segmentSize = Number.isFinite(retentionRecords)
      ? Math.max(1, Math.min(MAX_SEGMENT_RECORDS, Math.ceil(retentionRecords / 4)))
      : MAX_SEGMENT_RECORDS;
  }

  /** Offset of the oldest retained record (Kafka's log-start offset). */
  get startOffset(): number {
    return this.#start;
  }

  /** Offset the next append gets (Kafka's log-end offset / high watermark). */
  get endOffset(): number {
    return this.#end;
  }

  get size(): number {
    return this.#end - this.#start;
  }

  append(key: Buffer | null, value: Buffer | null, headers: RecordHeaders, timestampMs: number): InputRecord {
    const segments = this.#segments;
    let tail = segments[segments.length - 1]!;
    if (tail.length === this.#segmentSize) {
      tail = [];
      segments.push(tail);
    }
    const record: InputRecord = {
      topic: this.topic,
      partition: this.partition,
      offset: this.#end,
      key,
      value,
      headers,
      timestampMs,
    };
    tail.push(record);
    this.#end++;
    this.#appendedSinceNotify = true;
    if (this.#end - this.#start >= this.#retention + this.#segmentSize) {
      segments.shift();
      this.#start += this.#segmentSize;
    }
    return record;
  }

  /**
   * Up to `max` records from `from` (which must be ≥ startOffset), in offset order. Always a fresh
   * array the caller may keep or extend; the records themselves are shared and must not be mutated.
   */
  read(from: number, max: number): InputRecord[] {
    const available = this.#end - from;
    if (available <= 0 || max <= 0) return [];
    const take = Math.min(available, max);
    const rel = from - this.#start;
    let si = Math.floor(rel / this.#segmentSize);
    const at = rel - si * this.#segmentSize;
    const first = this.#segments[si]!;
    if (at + take <= first.length) return first.slice(at, at + take);
    const out = first.slice(at);
    let need = take - out.length;
    while (need > 0) {
      const seg = this.#segments[++si]!;
      const n = Math.min(need, seg.length);
      for (let i = 0; i < n; i++) out.push(seg[i]!);
      need -= n;
    }
    return out;
  }

  addWaiter(waiter: AppendWaiter): void {
    this.#waiters.add(waiter);
  }

  removeWaiter(waiter: AppendWaiter): void {
    this.#waiters.delete(waiter);
  }

  /** Wakes waiting consumers if anything was appended since the last call; once per send, not per record. */
  notifyAppended(): void {
    if (!this.#appendedSinceNotify) return;
    this.#appendedSinceNotify = false;
    for (const waiter of this.#waiters) waiter.wake();
  }
}
