import { partitionId, type TopicPartition } from '../types.ts';
import type { AssignorMember } from './range-assignor.ts';

/**
 * A consumer's seat in its group. The group (and only it) calls the mutators on a rebalance,
 * eviction or hand-off; the owning consumer reads the flags at the top of each `poll()`.
 */
export class GroupMember implements AssignorMember {
  readonly id: string;
  readonly #wake: () => void;
  #topics: ReadonlySet<string> = new Set();
  #target: TopicPartition[] = [];
  #targetKeys: ReadonlySet<string> = new Set();
  #syncNeeded = false;
  #fenced = false;
  #lastActiveAt = Date.now();

  constructor(id: string, wake: () => void) {
    this.id = id;
    this.#wake = wake;
  }

  get topics(): ReadonlySet<string> {
    return this.#topics;
  }

  /** The partitions the current assignment gives this member (some may still be held by others). */
  get target(): readonly TopicPartition[] {
    return this.#target;
  }

  /** True when the member's next poll must revoke or claim partitions. */
  get syncNeeded(): boolean {
    return this.#syncNeeded;
  }

  /** True after the group evicted the member for not polling; its next poll rejoins. */
  get fenced(): boolean {
    return this.#fenced;
  }

  get lastActiveAt(): number {
    return this.#lastActiveAt;
  }

  isTargeted(key: string): boolean {
    return this.#targetKeys.has(key);
  }

  /** Called by the consumer when it polls or runs a listener: proof of life for the session timeout. */
  touch(now: number): void {
    this.#lastActiveAt = now;
  }

  /** Called by the consumer as it starts a sync; a rebalance during the sync sets it again. */
  clearSync(): void {
    this.#syncNeeded = false;
  }

  // Group-side mutators below: the consumer never calls them.

  setTopics(topics: ReadonlySet<string>): void {
    this.#topics = topics;
  }

  setTarget(target: TopicPartition[]): void {
    this.#target = target;
    this.#targetKeys = new Set(target.map((tp) => partitionId(tp.topic, tp.partition)));
  }

  requestSync(): void {
    this.#syncNeeded = true;
    this.#wake();
  }

  fence(): void {
    this.#fenced = true;
    this.setTarget([]);
    this.requestSync();
  }

  unfence(): void {
    this.#fenced = false;
  }
}
