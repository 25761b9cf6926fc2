import type { TopicPartition } from '../types.ts';

/** A group member as the assignor sees it: its id (the sort key) and its subscription. */
export interface AssignorMember {
  readonly id: string;
  readonly topics: ReadonlySet<string>;
}

/**
 * Kafka's RangeAssignor, called by the consumer group on every rebalance: per topic, the members
 * subscribed to it, sorted by id, take contiguous ranges of partitions; the first `n % m` members
 * take one extra. Deterministic, so tests and operators can predict who owns what.
 */
export function rangeAssign(
  members: readonly AssignorMember[],
  partitionCount: (topic: string) => number,
): Map<string, TopicPartition[]> {
  const plan = new Map<string, TopicPartition[]>();
  const byTopic = new Map<string, string[]>();
  for (const member of members) {
    plan.set(member.id, []);
    for (const topic of member.topics) {
      let ids = byTopic.get(topic);
      if (!ids) {
        ids = [];
        byTopic.set(topic, ids);
      }
      ids.push(member.id);
    }
  }
  for (const topic of [...byTopic.keys()].sort()) {
    const ids = byTopic.get(topic)!.sort();
    const partitions = partitionCount(topic);
    const base = Math.floor(partitions / ids.length);
    const extra = partitions % ids.length;
    let next = 0;
    for (let i = 0; i < ids.length; i++) {
      const count = base + (i < extra ? 1 : 0);
      const owned = plan.get(ids[i]!)!;
      for (let p = next; p < next + count; p++) owned.push({ topic, partition: p });
      next += count;
    }
  }
  return plan;
}
