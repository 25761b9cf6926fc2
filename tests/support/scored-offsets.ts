import type { Prediction } from '../../schemas/index.ts';
import type { BatchSink } from '../../sinks/index.ts';

/**
 * A prediction store that remembers which input offsets were scored. The engine acks a record
 * only after every durable sink confirmed it, so an offset is here before it can be committed:
 * comparing the group's committed offsets with this set shows whether a commit ever passed a
 * record that was not scored.
 */
export class ScoredOffsets implements BatchSink<Prediction> {
  readonly name = 'scored-offsets';
  readonly #byPartition = new Map<number, Set<number>>();
  readonly eventIds = new Map<string, number>();

  async write(items: Prediction[]): Promise<void> {
    for (const p of items) {
      let set = this.#byPartition.get(p.source_partition);
      if (!set) {
        set = new Set();
        this.#byPartition.set(p.source_partition, set);
      }
      set.add(p.source_offset);
      this.eventIds.set(p.event_id, (this.eventIds.get(p.event_id) ?? 0) + 1);
    }
  }

  /** Marks an offset handled by another route (a dead letter the test expects). */
  handled(partition: number, offset: number): void {
    let set = this.#byPartition.get(partition);
    if (!set) {
      set = new Set();
      this.#byPartition.set(partition, set);
    }
    set.add(offset);
  }

  /**
   * The first offset below a committed offset that was never scored, as `partition@offset`, or
   * undefined. `committed[p]` is the next offset to read of partition p (null: nothing committed).
   */
  firstUnscoredBelow(
    committed: ReadonlyArray<number | null>,
    isExpected: (partition: number, offset: number) => boolean,
  ): string | undefined {
    for (let partition = 0; partition < committed.length; partition++) {
      const upTo = committed[partition] ?? 0;
      const scored = this.#byPartition.get(partition);
      for (let offset = 0; offset < upTo; offset++) {
        if (isExpected(partition, offset) && !scored?.has(offset)) return `${partition}@${offset}`;
      }
    }
    return undefined;
  }
}

/**
 * Samples a group's committed offsets while a test runs and records the first time a commit
 * passed an unscored record. `stop()` resolves with that violation, or undefined.
 */
export function watchCommits(
  committedOffsets: () => Promise<Array<number | null>>,
  scored: ScoredOffsets,
  isExpected: (partition: number, offset: number) => boolean,
): { stop(): Promise<string | undefined> } {
  let violation: string | undefined;
  let running = true;
  const loop = (async () => {
    while (running && violation === undefined) {
      const committed = await committedOffsets().catch(() => undefined);
      if (committed) violation = scored.firstUnscoredBelow(committed, isExpected);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return violation;
    },
  };
}

/** The read-only offset views both Kafka adapters (and the embedded broker) offer for tests. */
export interface OffsetInspection {
  committedOffsets(groupId: string, topic: string): Promise<Array<number | null>>;
  endOffsets(topic: string): Promise<number[]>;
}
