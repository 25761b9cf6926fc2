import { partitionId, type TopicPartition } from '../../types.ts';

/** Where the next fetch of a partition starts, valid for one membership generation. */
export interface FetchPosition extends TopicPartition {
  offset: number;
}

/**
 * The fetch position of each partition of the current assignment. Positions are set from the
 * group's committed offsets after each join (eager rebalancing resets them all) and move past
 * every batch the fetch loop hands on; a generation mismatch drops a stale answer. Pure logic.
 */
export class FetchPositions {
  readonly #positions = new Map<string, FetchPosition>();
  #generation = -1;

  /** Forgets every position: a rebalance is under way, or the consumer crashed. */
  reset(generation: number): void {
    this.#positions.clear();
    this.#generation = generation;
  }

  /** Sets positions found for `generation`; ignored once a newer generation began. */
  set(generation: number, positions: readonly FetchPosition[]): void {
    if (generation !== this.#generation) return;
    for (const p of positions) this.#positions.set(partitionId(p.topic, p.partition), { ...p });
  }

  /** Moves a partition's position on, if it still has one in `generation`. */
  advance(generation: number, topic: string, partition: number, offset: number): void {
    if (generation !== this.#generation) return;
    const p = this.#positions.get(partitionId(topic, partition));
    if (p && offset > p.offset) p.offset = offset;
  }

  get(topic: string, partition: number): FetchPosition | undefined {
    return this.#positions.get(partitionId(topic, partition));
  }

  get generation(): number {
    return this.#generation;
  }

  all(): FetchPosition[] {
    return [...this.#positions.values()];
  }
}
