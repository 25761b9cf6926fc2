import { PollGuard } from '../poll-guard.ts';
import {
  type ConsumerClient,
  type ConsumerOptions,
  type InputRecord,
  partitionId,
  type RebalanceListener,
  type TopicPartition,
  type TopicPartitionOffset,
} from '../types.ts';

import type { ConsumerGroup } from './consumer-group.ts';
import { GroupMember } from './group-member.ts';
import type { AppendWaiter, PartitionLog } from './partition-log.ts';
import type { TopicRegistry } from './topic-registry.ts';
import { transportClosed } from './transport-errors.ts';

/** Counters shared by all consumers of one transport; the transport exposes them read-only. */
export interface ReadStats {
  /** Times a consumer's position had fallen below log start and was moved up to it. */
  truncatedReads: number;
  /** Records skipped by those moves (retention dropped them before they were read). */
  truncatedRecords: number;
}

/** What the transport hands each consumer it creates. */
export interface EmbeddedConsumerDeps {
  memberId: string;
  group: ConsumerGroup;
  registry: TopicRegistry;
  stats: ReadStats;
  onClose: (consumer: EmbeddedConsumer) => void;
}

// setTimeout treats anything longer as 1 ms.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Fetch {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  readonly log: PartitionLog;
  /** Next offset to return; -1 until the first fetch resolves it (committed offset, else reset policy). */
  position: number;
  paused: boolean;
}

/**
 * A group member of the embedded broker; the engine's consumer loop drives it through `poll`.
 * Rebalance listeners run only inside `poll` (see ConsumerGroup for the cooperative protocol).
 * `close()` leaves the group without calling `onRevoked`: the engine commits before closing.
 * Pause state is per assignment: a revoked and re-assigned partition comes back unpaused.
 */
export class EmbeddedConsumer implements ConsumerClient {
  readonly memberId: string;
  readonly groupId: string;
  readonly #group: ConsumerGroup;
  readonly #registry: TopicRegistry;
  readonly #stats: ReadStats;
  readonly #listener: RebalanceListener;
  readonly #fromBeginning: boolean;
  readonly #onClose: (consumer: EmbeddedConsumer) => void;
  readonly #member: GroupMember;
  readonly #waiter: AppendWaiter = { wake: () => this.#wake() };
  #joined = false;
  /** Set when close() starts: polls end, but a listener still running may commit until `#closed`. */
  #closing = false;
  #closed = false;
  readonly #poll: PollGuard;
  #wakeWaiting: (() => void) | null = null;
  #fetches: Fetch[] = [];
  readonly #fetchByKey = new Map<string, Fetch>();
  #cursor = 0;

  constructor(options: ConsumerOptions, deps: EmbeddedConsumerDeps) {
    this.memberId = deps.memberId;
    this.#poll = new PollGuard(`consumer ${deps.memberId}`);
    this.groupId = options.groupId;
    this.#group = deps.group;
    this.#registry = deps.registry;
    this.#stats = deps.stats;
    this.#listener = options.rebalance;
    this.#fromBeginning = options.fromBeginning ?? true;
    this.#onClose = deps.onClose;
    this.#member = new GroupMember(deps.memberId, () => this.#wake());
  }

  /** Joins (or re-subscribes) and rebalances the group; partitions arrive via `onAssigned` in `poll`. */
  async subscribe(topics: string[]): Promise<void> {
    if (this.#closing) throw transportClosed('consumer.subscribe');
    this.#group.join(this.#member, topics);
    this.#joined = true;
  }

  async poll(maxRecords: number, maxWaitMs: number): Promise<InputRecord[]> {
    if (this.#closing) throw transportClosed('consumer.poll');
    if (!this.#joined) throw new Error(`consumer ${this.memberId}: poll() before subscribe()`);
    this.#poll.enter();
    const member = this.#member;
    const now = Date.now();
    member.touch(now);
    const deadline = now + Math.max(0, maxWaitMs || 0);
    try {
      for (;;) {
        while (member.syncNeeded && !this.#closing) await this.#sync();
        if (this.#closing) return [];
        const records = this.#fetch(maxRecords);
        if (records.length > 0) return records;
        const remaining = deadline - Date.now();
        if (remaining <= 0) return records;
        await this.#waitForWork(remaining);
      }
    } finally {
      this.#poll.exit();
    }
  }

  pause(partitions: TopicPartition[]): void {
    for (const tp of partitions) {
      const fetch = this.#fetchByKey.get(partitionId(tp.topic, tp.partition));
      if (fetch) fetch.paused = true;
    }
  }

  resume(partitions: TopicPartition[]): void {
    let resumed = false;
    for (const tp of partitions) {
      const fetch = this.#fetchByKey.get(partitionId(tp.topic, tp.partition));
      if (fetch?.paused) {
        fetch.paused = false;
        resumed = true;
      }
    }
    // A waiting poll registered only on unpaused partitions; wake it to re-register.
    if (resumed) this.#wake();
  }

  /** Accepted only for partitions this member owns now (inside `onRevoked` included); else rejected whole. */
  async commit(offsets: TopicPartitionOffset[]): Promise<void> {
    if (this.#closed) throw transportClosed('consumer.commit');
    this.#group.commit(this.#member, offsets);
  }

  assignment(): TopicPartition[] {
    return this.#fetches.map((f) => ({ topic: f.topic, partition: f.partition }));
  }

  /** Joined, not evicted, and holding every partition the group means it to have (none still held by another member). */
  isAssigned(): boolean {
    const member = this.#member;
    if (!this.#joined || this.#closing || member.fenced || member.syncNeeded) return false;
    return member.target.every((tp) => this.#fetchByKey.has(partitionId(tp.topic, tp.partition)));
  }

  /** Waits for a pending poll to finish its listener (it returns [] at once otherwise), then leaves. */
  async close(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#wake();
    await this.#poll.idle();
    if (this.#joined) this.#group.leave(this.#member);
    this.#closed = true;
    this.#fetches = [];
    this.#fetchByKey.clear();
    this.#onClose(this);
  }

  /** Revokes what moved or was lost, rejoins if evicted, then claims what is free. */
  async #sync(): Promise<void> {
    const member = this.#member;
    const group = this.#group;
    member.clearSync();
    member.touch(Date.now());
    const revoked = this.#fetches.filter((f) => !member.isTargeted(f.key) || !group.owns(member, f.key));
    if (revoked.length > 0) {
      const partitions = revoked.map((f) => ({ topic: f.topic, partition: f.partition }));
      try {
        await this.#listener.onRevoked(partitions);
      } finally {
        group.release(member, partitions);
        this.#dropFetches(revoked);
        member.touch(Date.now());
      }
    }
    if (this.#closing) return;
    if (member.fenced) {
      if (this.#fetches.length === 0) group.rejoin(member);
      return;
    }
    const gained = group.claimFree(member);
    if (gained.length === 0) return;
    // Fetch entries exist before onAssigned so the listener can pause the new partitions.
    for (const tp of gained) this.#addFetch(tp);
    try {
      await this.#listener.onAssigned(gained.map((tp) => ({ ...tp })));
    } finally {
      member.touch(Date.now());
    }
  }

  /** Round-robin over partitions: a fair share each first, then whatever room is left. */
  #fetch(maxRecords: number): InputRecord[] {
    const fetches = this.#fetches;
    const n = fetches.length;
    if (n === 0 || maxRecords <= 0) return [];
    const first = this.#cursor < n ? this.#cursor : 0;
    this.#cursor = first + 1;
    const share = Math.ceil(maxRecords / n);
    let out: InputRecord[] | null = null;
    let remaining = maxRecords;
    for (let pass = 0; pass < 2 && remaining > 0; pass++) {
      let capped = false;
      for (let i = 0; i < n && remaining > 0; i++) {
        const f = fetches[(first + i) % n]!;
        if (f.paused) continue;
        const log = f.log;
        let position = f.position < 0 ? this.#initialPosition(f) : f.position;
        if (position < log.startOffset) {
          this.#stats.truncatedReads++;
          this.#stats.truncatedRecords += log.startOffset - position;
          position = log.startOffset;
        }
        const limit = pass === 0 && share < remaining ? share : remaining;
        const chunk = log.read(position, limit);
        const got = chunk.length;
        f.position = position + got;
        if (got === 0) continue;
        if (got === limit) capped = true;
        remaining -= got;
        if (out === null) out = chunk;
        else for (let k = 0; k < got; k++) out.push(chunk[k]!);
      }
      if (!capped) break;
    }
    return out ?? [];
  }

  #initialPosition(f: Fetch): number {
    const committed = this.#group.committed(f.topic, f.partition);
    if (committed !== undefined) return committed;
    return this.#fromBeginning ? f.log.startOffset : f.log.endOffset;
  }

  async #waitForWork(ms: number): Promise<void> {
    const logs: PartitionLog[] = [];
    for (const f of this.#fetches) {
      if (f.paused) continue;
      f.log.addWaiter(this.#waiter);
      logs.push(f.log);
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve) => {
        this.#wakeWaiting = resolve;
        timer = setTimeout(this.#waiter.wake, Math.min(ms, MAX_TIMER_MS));
      });
    } finally {
      clearTimeout(timer);
      this.#wakeWaiting = null;
      for (const log of logs) log.removeWaiter(this.#waiter);
    }
  }

  #wake(): void {
    const resolve = this.#wakeWaiting;
    if (resolve === null) return;
    this.#wakeWaiting = null;
    resolve();
  }

  #addFetch(tp: TopicPartition): void {
    const key = partitionId(tp.topic, tp.partition);
    const fetch: Fetch = {
      topic: tp.topic,
      partition: tp.partition,
      key,
      log: this.#registry.log(tp.topic, tp.partition),
      position: -1,
      paused: false,
    };
    this.#fetches.push(fetch);
    this.#fetchByKey.set(key, fetch);
  }

  #dropFetches(dropped: readonly Fetch[]): void {
    const gone = new Set(dropped);
    this.#fetches = this.#fetches.filter((f) => !gone.has(f));
    for (const f of dropped) if (this.#fetchByKey.get(f.key) === f) this.#fetchByKey.delete(f.key);
  }
}
