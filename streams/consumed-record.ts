import type { PartitionProgress } from './partition-progress.ts';
import type { InputRecord } from './types.ts';

/**
 * A record handed to the topology by the consumer loop. Whoever finishes with it (the sinks, or the
 * dead-letter route) calls `ack()` exactly once; only then can its offset be committed.
 */
export class ConsumedRecord {
  readonly record: InputRecord;
  /** When the consumer loop read it, epoch ms: the start of end-to-end latency. */
  readonly ingestTimeMs: number;
  readonly #progress: PartitionProgress;
  readonly #seq: number;

  constructor(record: InputRecord, progress: PartitionProgress, seq: number, ingestTimeMs: number) {
    this.record = record;
    this.#progress = progress;
    this.#seq = seq;
    this.ingestTimeMs = ingestTimeMs;
  }

  ack(): void {
    this.#progress.ack(this.#seq);
  }
}
