import { partitionId, type TopicPartition, type TopicPartitionOffset } from '../types.ts';
import type { GroupMember } from './group-member.ts';
import { rangeAssign } from './range-assignor.ts';
import type { TopicRegistry } from './topic-registry.ts';
import { commitRejected } from './transport-errors.ts';

interface Ownership {
  readonly member: GroupMember;
  readonly tp: TopicPartition;
}

/**
 * The coordinator of one consumer group in the embedded broker; embedded consumers call it.
 *
 * Protocol: cooperative incremental rebalancing with Kafka's range assignor. Every join, leave,
 * subscription change, topic growth or eviction recomputes the target assignment and flags every
 * member. A partition has at most one owner, the only member that may fetch or commit it. An owner
 * keeps a partition that moved until its own next poll has awaited `onRevoked` for it (commits made
 * inside `onRevoked` are accepted) and released it; only then may the new target claim it, and its
 * position starts at the group's committed offset. An owner that blocks a hand-off without polling
 * for `sessionTimeoutMs` is evicted: its partitions are freed, its commits are rejected from then on.
 */
export class ConsumerGroup {
  readonly groupId: string;
  readonly #registry: TopicRegistry;
  readonly #sessionTimeoutMs: number;
  readonly #members = new Map<string, GroupMember>();
  /** Which member fetches each partition now. */
  readonly #owners = new Map<string, Ownership>();
  /** Which member the current assignment gives each partition to. */
  readonly #targetOwners = new Map<string, GroupMember>();
  readonly #committed = new Map<string, number>();
  #sessionTimer: NodeJS.Timeout | undefined;

  constructor(groupId: string, registry: TopicRegistry, sessionTimeoutMs: number) {
    this.groupId = groupId;
    this.#registry = registry;
    this.#sessionTimeoutMs = sessionTimeoutMs;
  }

  /** Adds the member (or changes its subscription) and rebalances. Topics must exist. */
  join(member: GroupMember, topics: readonly string[]): void {
    for (const topic of topics) this.#registry.logs(topic);
    member.setTopics(new Set(topics));
    member.unfence();
    this.#members.set(member.id, member);
    this.#rebalance();
  }

  /** Called by an evicted member's next poll once it has revoked what it lost. */
  rejoin(member: GroupMember): void {
    member.unfence();
    this.#members.set(member.id, member);
    this.#rebalance();
  }

  /** Removes the member; its partitions are freed at once (no listener runs) and the rest rebalance. */
  leave(member: GroupMember): void {
    if (!this.#members.delete(member.id)) return;
    this.#releaseAll(member);
    this.#rebalance();
  }

  /** Partition count of a subscribed topic changed: Kafka's metadata refresh would rebalance too. */
  topicGrown(topic: string): void {
    for (const member of this.#members.values()) {
      if (member.topics.has(topic)) {
        this.#rebalance();
        return;
      }
    }
  }

  #isMember(member: GroupMember): boolean {
    return this.#members.get(member.id) === member;
  }

  /** Gives the member every partition of its target that nobody holds; returns what it gained. */
  claimFree(member: GroupMember): TopicPartition[] {
    const gained: TopicPartition[] = [];
    if (!this.#isMember(member)) return gained;
    for (const tp of member.target) {
      const key = partitionId(tp.topic, tp.partition);
      if (this.#owners.has(key)) continue;
      this.#owners.set(key, { member, tp });
      gained.push(tp);
    }
    return gained;
  }

  /** The member has run `onRevoked` for these partitions: free them and wake whoever waits for them. */
  release(member: GroupMember, partitions: readonly TopicPartition[]): void {
    for (const tp of partitions) this.#releaseKey(member, partitionId(tp.topic, tp.partition));
  }

  /** True while `member` may fetch and commit the partition with this `partitionId` key. */
  owns(member: GroupMember, key: string): boolean {
    return this.#owners.get(key)?.member === member;
  }

  /** Validates every offset first, then stores them all: a rejected commit stores nothing. */
  commit(member: GroupMember, offsets: readonly TopicPartitionOffset[]): void {
    for (const { topic, partition, offset } of offsets) {
      const log = this.#registry.log(topic, partition);
      if (this.#owners.get(partitionId(topic, partition))?.member !== member) {
        throw commitRejected(
          topic,
          partition,
          member.fenced || !this.#isMember(member)
            ? `member ${member.id} is not in group "${this.groupId}" (never subscribed, closed, or evicted after ${this.#sessionTimeoutMs} ms without polling); its partitions moved`
            : `member ${member.id} of group "${this.groupId}" does not own it (revoked in a rebalance, or not yet assigned)`,
        );
      }
      if (!Number.isSafeInteger(offset) || offset < 0 || offset > log.endOffset) {
        throw commitRejected(
          topic,
          partition,
          `offset ${offset} is outside 0..${log.endOffset} (the log end)`,
        );
      }
    }
    for (const { topic, partition, offset } of offsets)
      this.#committed.set(partitionId(topic, partition), offset);
  }

  committed(topic: string, partition: number): number | undefined {
    return this.#committed.get(partitionId(topic, partition));
  }

  /** Committed offset per partition of `topic`, null where the group never committed. */
  committedOffsets(topic: string): Array<number | null> {
    const count = this.#registry.partitionCount(topic);
    const out: Array<number | null> = [];
    for (let p = 0; p < count; p++) out.push(this.#committed.get(partitionId(topic, p)) ?? null);
    return out;
  }

  /** Partitions each member owns right now, keyed by member id (inspection for tests and metrics). */
  ownership(): Record<string, TopicPartition[]> {
    const out: Record<string, TopicPartition[]> = {};
    for (const id of [...this.#members.keys()].sort()) out[id] = [];
    for (const { member, tp } of this.#owners.values()) {
      const list = out[member.id] ?? [];
      list.push({ ...tp });
      out[member.id] = list;
    }
    for (const list of Object.values(out)) {
      list.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
    }
    return out;
  }

  dispose(): void {
    clearTimeout(this.#sessionTimer);
    this.#sessionTimer = undefined;
  }

  #rebalance(): void {
    const members = [...this.#members.values()];
    const plan = rangeAssign(members, (topic) => this.#registry.partitionCount(topic));
    this.#targetOwners.clear();
    for (const member of members) {
      const target = plan.get(member.id) ?? [];
      member.setTarget(target);
      for (const tp of target) this.#targetOwners.set(partitionId(tp.topic, tp.partition), member);
    }
    for (const member of members) member.requestSync();
    this.#armSessionTimer(this.#sessionTimeoutMs);
  }

  #releaseKey(member: GroupMember, key: string): void {
    if (this.#owners.get(key)?.member !== member) return;
    this.#owners.delete(key);
    const next = this.#targetOwners.get(key);
    if (next !== undefined && next !== member) next.requestSync();
  }

  #releaseAll(member: GroupMember): void {
    for (const [key, owned] of [...this.#owners]) if (owned.member === member) this.#releaseKey(member, key);
  }

  #armSessionTimer(delayMs: number): void {
    if (this.#sessionTimer !== undefined || !this.#hasBlockedHandOff()) return;
    this.#sessionTimer = setTimeout(() => this.#evictSilentOwners(), delayMs);
    // The broker's bookkeeping must never keep the process alive on its own.
    this.#sessionTimer.unref();
  }

  #hasBlockedHandOff(): boolean {
    for (const [key, { member }] of this.#owners) {
      const next = this.#targetOwners.get(key);
      if (next !== undefined && next !== member) return true;
    }
    return false;
  }

  /** Only owners that block a hand-off are timed out: an idle member that blocks nobody may sleep. */
  #evictSilentOwners(): void {
    this.#sessionTimer = undefined;
    const now = Date.now();
    const silent = new Set<GroupMember>();
    let soonest = Number.POSITIVE_INFINITY;
    for (const [key, { member: owner }] of this.#owners) {
      const next = this.#targetOwners.get(key);
      if (next === undefined || next === owner) continue;
      const idleMs = now - owner.lastActiveAt;
      if (idleMs >= this.#sessionTimeoutMs) silent.add(owner);
      else soonest = Math.min(soonest, this.#sessionTimeoutMs - idleMs);
    }
    for (const member of silent) {
      this.#members.delete(member.id);
      for (const [key, owned] of [...this.#owners]) if (owned.member === member) this.#owners.delete(key);
      member.fence();
    }
    if (silent.size > 0) this.#rebalance();
    else if (Number.isFinite(soonest)) this.#armSessionTimer(Math.max(1, soonest));
  }
}
