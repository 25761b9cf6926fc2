import type { TopicPartitionOffset } from './types.ts';

/**
 * In-flight offsets of one partition, in fetch order, and which of them every sink has acked.
 * The committable offset is the low watermark: one past the longest fully-acked prefix. Acks may
 * arrive in any order (dead letters are acked before the predictions fetched ahead of them).
 */
export class PartitionProgress {
  readonly topic: string;
  readonly partition: number;
  /** Set when the partition is revoked: late acks still release in-flight slots but commit nothing. */
  detached = false;
  #offsets: number[] = new Array(1024);
  #done: Uint8Array = new Uint8Array(1024);
  #mask = 1023;
  #headSeq = 0;
  #tailSeq = 0;
  #committable = -1;
  #lastCommitted = -1;
  readonly #onAck: (count: number) => void;

  constructor(topic: string, partition: number, onAck: (count: number) => void) {
    this.topic = topic;
    this.partition = partition;
    this.#onAck = onAck;
  }

  /** Registers a fetched offset; returns its ticket for `ack`. Offsets must increase. */
  track(offset: number): number {
    if (this.#tailSeq - this.#headSeq > this.#mask) this.#grow();
    const seq = this.#tailSeq++;
    const slot = seq & this.#mask;
    this.#offsets[slot] = offset;
    this.#done[slot] = 0;
    return seq;
  }

  ack(seq: number): void {
    if (seq < this.#headSeq || seq >= this.#tailSeq) return;
    const slot = seq & this.#mask;
    if (this.#done[slot] === 1) return;
    this.#done[slot] = 1;
    this.#onAck(1);
    if (seq !== this.#headSeq) return;
    while (this.#headSeq < this.#tailSeq && this.#done[this.#headSeq & this.#mask] === 1) {
      this.#committable = this.#offsets[this.#headSeq & this.#mask]! + 1;
      this.#headSeq++;
    }
  }

  get pending(): number {
    return this.#tailSeq - this.#headSeq;
  }

  /** The offset to commit if it moved since the last `markCommitted`, else undefined. */
  takeCommit(): TopicPartitionOffset | undefined {
    if (this.detached || this.#committable <= this.#lastCommitted) return undefined;
    return { topic: this.topic, partition: this.partition, offset: this.#committable };
  }

  markCommitted(offset: number): void {
    if (offset > this.#lastCommitted) this.#lastCommitted = offset;
  }

  #grow(): void {
    const size = (this.#mask + 1) * 2;
    const offsets: number[] = new Array(size);
    const done = new Uint8Array(size);
    const mask = size - 1;
    for (let seq = this.#headSeq; seq < this.#tailSeq; seq++) {
      offsets[seq & mask] = this.#offsets[seq & this.#mask]!;
      done[seq & mask] = this.#done[seq & this.#mask]!;
    }
    this.#offsets = offsets;
    this.#done = done;
    this.#mask = mask;
  }
}
