import { validateTopicSpec } from '../topic-spec.ts';
import type { TopicSpec } from '../types.ts';

/** A topic to grow from its current partition count to `partitions`. */
export interface TopicGrowth extends TopicSpec {
  from: number;
}

/** What `ensureTopics` has to ask the cluster for. */
export interface TopicChanges {
  create: TopicSpec[];
  grow: TopicGrowth[];
}

/**
 * Plans `ensureTopics` for a Kafka adapter from the partition counts the cluster reports:
 * missing topics are created, smaller ones grown, none shrunk. Validates names and counts as the
 * embedded broker does, and merges repeated topics (the largest count wins) so one call never
 * races itself. Pure: the adapters do the admin calls.
 */
export function planTopicChanges(
  specs: readonly TopicSpec[],
  existing: ReadonlyMap<string, number>,
): TopicChanges {
  const changes: TopicChanges = { create: [], grow: [] };
  for (const [topic, partitions] of wantedTopics(specs)) {
    const from = existing.get(topic);
    if (from === undefined) changes.create.push({ topic, partitions });
    else if (from < partitions) changes.grow.push({ topic, partitions, from });
  }
  return changes;
}

/** Validated specs with repeated topics merged (the largest count wins), so one call never races itself. */
export function wantedTopics(specs: readonly TopicSpec[]): Map<string, number> {
  const wanted = new Map<string, number>();
  for (const { topic, partitions } of specs) {
    validateTopicSpec({ topic, partitions });
    wanted.set(topic, Math.max(partitions, wanted.get(topic) ?? 0));
  }
  return wanted;
}
