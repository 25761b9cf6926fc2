import { partitionId, type TopicPartition } from '../../types.ts';

/** A partition the engine was told about through `onAssigned`, with the engine's pause state. */
export interface OwnedPartition {
  readonly topic: string;
  readonly partition: number;
  /** Paused by the engine: its queued records are not handed out, and no more are queued. */
  paused: boolean;
}

/**
 * The group-membership state machine of a consumer bridge over an eager-rebalancing client (kafkajs,
 * @platformatic/kafka); pure logic, no client.
 *
 * kafkajs's protocol is eager: every rejoin gives up the whole assignment and resets fetch
 * positions to the committed offsets. So the bridge revokes everything the engine owns on each
 * rebalance (`onRevoked` inside `poll`), then announces the new assignment (`onAssigned` inside
 * `poll`). Events move it: `rebalanceDetected` (a heartbeat inside eachBatch, or kafkajs's
 * REBALANCING), `joined` (GROUP_JOIN), `crashed` (CRASH); `poll` drives `startRevoke` /
 * `finishRevoke` / `startAssign`.
 */
export class MemberState {
  /** Bumped whenever queued records and kafkajs's fetch positions stop being valid. */
  generation = 0;
  /** Whether eachBatch may queue records: false from a rebalance (or crash) until kafkajs joined again. */
  accepting = false;
  /** Whether this member is in the group (joined, not crashed). */
  alive = false;
  /** `owned` must be revoked in the next poll. */
  revokeNeeded = false;
  /** `onRevoked` is running. */
  revoking = false;
  readonly owned = new Map<string, OwnedPartition>();
  /** The assignment of the last GROUP_JOIN, not yet announced through `onAssigned`. */
  #pending: TopicPartition[] | null = null;
  #pendingKeys = new Set<string>();
  #joins = 0;
  #ownedJoin = 0;

  get pending(): readonly TopicPartition[] | null {
    return this.#pending;
  }

  /** Joined, and the engine has been told the current assignment (possibly empty); no rebalance under way. */
  get settled(): boolean {
    return (
      this.alive &&
      this.accepting &&
      this.#joins > 0 &&
      this.#ownedJoin === this.#joins &&
      !this.revokeNeeded &&
      !this.revoking
    );
  }

  /** A rebalance is under way: stop queueing, revoke in the next poll. False if it was already known. */
  rebalanceDetected(): boolean {
    if (!this.accepting) return false;
    this.accepting = false;
    this.generation++;
    // An assignment not announced yet is already out of date: the next join brings the new one.
    this.#pending = null;
    this.#pendingKeys.clear();
    if (!this.revoking && this.owned.size > 0) this.revokeNeeded = true;
    return true;
  }

  /** kafkajs joined (again) and got `assignment`; whatever is still owned from before must be revoked first. */
  joined(assignment: readonly TopicPartition[]): void {
    this.#joins++;
    this.generation++;
    this.accepting = true;
    this.alive = true;
    this.#pending = assignment.map((tp) => ({ topic: tp.topic, partition: tp.partition }));
    this.#pendingKeys = new Set(assignment.map((tp) => partitionId(tp.topic, tp.partition)));
    if (this.owned.size > 0 && !this.revoking) this.revokeNeeded = true;
  }

  /** The consumer crashed: kafkajs left the group, so everything owned is lost. */
  crashed(): void {
    this.accepting = false;
    this.alive = false;
    this.generation++;
    this.#pending = null;
    this.#pendingKeys.clear();
    if (this.owned.size > 0 && !this.revoking) this.revokeNeeded = true;
  }

  /** poll: the partitions to pass to `onRevoked` (maybe none), or null when no revoke is due. */
  startRevoke(): TopicPartition[] | null {
    if (!this.revokeNeeded || this.revoking) return null;
    this.revokeNeeded = false;
    this.revoking = true;
    return [...this.owned.values()].map((p) => ({ topic: p.topic, partition: p.partition }));
  }

  /** poll: `onRevoked` returned (or threw); the engine owns nothing now. */
  finishRevoke(): void {
    this.owned.clear();
    this.revoking = false;
  }

  /** poll: the partitions to pass to `onAssigned`, once nothing old is left to revoke; they start unpaused. */
  startAssign(): TopicPartition[] | null {
    const pending = this.#pending;
    if (pending === null || this.revokeNeeded || this.revoking) return null;
    this.#pending = null;
    this.#pendingKeys.clear();
    this.#ownedJoin = this.#joins;
    this.owned.clear();
    for (const tp of pending) {
      this.owned.set(partitionId(tp.topic, tp.partition), { ...tp, paused: false });
    }
    return pending.map((tp) => ({ ...tp }));
  }

  /** Why a commit of `tp` must be refused now, or null when this member may commit it. */
  commitRefusal(tp: TopicPartition): string | null {
    const key = partitionId(tp.topic, tp.partition);
    if (!this.alive) return 'the consumer is not in the group (it crashed or has not joined yet)';
    if (!this.owned.has(key)) return 'the partition is not assigned to this member';
    // kafkajs already rejoined and commits under the new generation, which the coordinator accepts
    // whoever owns the partition now: only partitions this member keeps may still be committed.
    if (this.#joins !== this.#ownedJoin && !this.#pendingKeys.has(key)) {
      return 'the partition moved to another member in a rebalance';
    }
    return null;
  }

  /** Marks owned partitions paused; returns those that were not paused yet. */
  pause(tps: readonly TopicPartition[]): OwnedPartition[] {
    const changed: OwnedPartition[] = [];
    for (const tp of tps) {
      const p = this.owned.get(partitionId(tp.topic, tp.partition));
      if (!p || p.paused) continue;
      p.paused = true;
      changed.push(p);
    }
    return changed;
  }

  /** Marks owned partitions unpaused; returns those that were paused. */
  resume(tps: readonly TopicPartition[]): OwnedPartition[] {
    const changed: OwnedPartition[] = [];
    for (const tp of tps) {
      const p = this.owned.get(partitionId(tp.topic, tp.partition));
      if (!p?.paused) continue;
      p.paused = false;
      changed.push(p);
    }
    return changed;
  }

  /** Every owned partition is paused (the engine's backpressure pauses them all at once). */
  allPaused(): boolean {
    if (this.owned.size === 0) return false;
    for (const p of this.owned.values()) if (!p.paused) return false;
    return true;
  }

  find(topic: string, partition: number): OwnedPartition | undefined {
    return this.owned.get(partitionId(topic, partition));
  }

  /** Whether `poll` may hand out queued records of the partition: announced to the engine and not paused. */
  readonly readable = (topic: string, partition: number): boolean => {
    const p = this.owned.get(partitionId(topic, partition));
    return p !== undefined && !p.paused;
  };
}
