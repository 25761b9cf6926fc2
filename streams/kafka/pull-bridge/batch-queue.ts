import { type InputRecord, partitionId, type TopicPartition } from '../../types.ts';

interface Lane {
  readonly topic: string;
  readonly partition: number;
  records: InputRecord[];
  /** Index of the next record to hand out; the array is compacted once the head passes half of it. */
  head: number;
}

const COMPACT_AT = 1024;
const ALL = () => true;

/**
 * The bounded hand-off between kafkajs's push (`eachBatch`, the writer) and the engine's pull
 * (`poll`, the reader). Records wait here per partition, in offset order; `take` is fair across
 * partitions. The writer asks `room()` before `push` and waits while it is 0, so the queue never
 * holds more than `limit` records. Pure logic: no timers, no kafkajs.
 */
export class BatchQueue {
  readonly limit: number;
  readonly #lanes = new Map<string, Lane>();
  #size = 0;
  #cursor = 0;

  constructor(limit: number) {
    if (!(Number.isInteger(limit) && limit >= 1))
      throw new RangeError(`queue limit must be ≥ 1, got ${limit}`);
    this.limit = limit;
  }

  /** Records waiting, all partitions together. */
  get size(): number {
    return this.#size;
  }

  /** How many more records `push` accepts now. */
  room(): number {
    return this.limit - this.#size;
  }

  /** Records waiting for one partition. */
  sizeOf(tp: TopicPartition): number {
    const lane = this.#lanes.get(partitionId(tp.topic, tp.partition));
    return lane ? lane.records.length - lane.head : 0;
  }

  /** Appends records of one partition (in offset order, after what it already holds). At most `room()`. */
  push(tp: TopicPartition, records: readonly InputRecord[]): void {
    if (records.length === 0) return;
    if (records.length > this.room()) {
      throw new RangeError(`push of ${records.length} records exceeds the queue's room (${this.room()})`);
    }
    const key = partitionId(tp.topic, tp.partition);
    let lane = this.#lanes.get(key);
    if (!lane) {
      lane = { topic: tp.topic, partition: tp.partition, records: [], head: 0 };
      this.#lanes.set(key, lane);
    }
    for (const record of records) lane.records.push(record);
    this.#size += records.length;
  }

  /**
   * Up to `max` records: a fair share from each readable partition first, then whatever room is
   * left, each partition's records in offset order. The starting partition rotates from call to
   * call. Partitions `readable` refuses (paused ones) keep their records for a later take.
   */
  take(max: number, readable: (topic: string, partition: number) => boolean = ALL): InputRecord[] {
    if (max <= 0 || this.#size === 0) return [];
    const lanes: Lane[] = [];
    for (const lane of this.#lanes.values()) {
      if (lane.records.length > lane.head && readable(lane.topic, lane.partition)) lanes.push(lane);
    }
    const n = lanes.length;
    if (n === 0) return [];
    const first = this.#cursor % n;
    this.#cursor = first + 1;
    const share = Math.ceil(max / n);
    const out: InputRecord[] = [];
    let remaining = max;
    for (let pass = 0; pass < 2 && remaining > 0; pass++) {
      for (let i = 0; i < n && remaining > 0; i++) {
        const lane = lanes[(first + i) % n]!;
        const available = lane.records.length - lane.head;
        if (available === 0) continue;
        const count = Math.min(available, remaining, pass === 0 ? share : remaining);
        for (let k = 0; k < count; k++) out.push(lane.records[lane.head + k]!);
        lane.head += count;
        remaining -= count;
        this.#size -= count;
        this.#settle(lane);
      }
    }
    return out;
  }

  /** Removes everything: a rebalance or crash resets every fetch position to the committed offset. */
  clear(): void {
    this.#lanes.clear();
    this.#size = 0;
  }

  #settle(lane: Lane): void {
    if (lane.head === lane.records.length) {
      lane.records = [];
      lane.head = 0;
    } else if (lane.head >= COMPACT_AT && lane.head * 2 >= lane.records.length) {
      lane.records = lane.records.slice(lane.head);
      lane.head = 0;
    }
  }
}
