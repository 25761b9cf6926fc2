import type { TopicOffsets } from 'kafkajs';
import { partitionId, type TopicPartitionOffset } from '../../types.ts';

/** One commit waiting to be seen; `seen` turns true once kafkajs reports every one of its offsets stored. */
export interface CommitWatch {
  readonly seen: boolean;
  /** Stops watching (the commit finished either way). */
  end(): void;
}

interface Watch extends CommitWatch {
  seen: boolean;
  readonly missing: Set<string>;
}

const keyOf = (topic: string, partition: number, offset: string | number) =>
  `${partitionId(topic, partition)}@${offset}`;

/**
 * Confirms that a `consumer.commitOffsets` call reached the group coordinator. kafkajs resolves
 * that call without committing anything while its runner is stopping or restarting after a
 * crash, which would let the engine believe offsets are stored that are not; the COMMIT_OFFSETS
 * event, emitted right after the coordinator answers, is the proof. Feed it every event.
 */
export class CommitWitness {
  readonly #watches = new Set<Watch>();

  /** Starts watching for `offsets`; call before `commitOffsets`, read `seen` after it resolves. */
  watch(offsets: readonly TopicPartitionOffset[]): CommitWatch {
    const watch: Watch = {
      seen: false,
      missing: new Set(offsets.map((o) => keyOf(o.topic, o.partition, o.offset))),
      end: () => this.#watches.delete(watch),
    };
    this.#watches.add(watch);
    return watch;
  }

  /** The COMMIT_OFFSETS event's topics: what the coordinator just stored. */
  observe(topics: readonly TopicOffsets[]): void {
    if (this.#watches.size === 0) return;
    for (const { topic, partitions } of topics) {
      for (const { partition, offset } of partitions) {
        // kafkajs hands back the offsets as Longs (or strings); both print as decimal.
        const key = keyOf(topic, partition, String(offset));
        for (const watch of this.#watches) {
          if (watch.missing.delete(key) && watch.missing.size === 0) watch.seen = true;
        }
      }
    }
  }
}
