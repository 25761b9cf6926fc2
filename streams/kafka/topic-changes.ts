import { SluiceError } from '../../core/errors.ts';
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
  for (const spec of wantedTopics(specs).values()) {
    const from = existing.get(spec.topic);
    if (from === undefined) changes.create.push(spec);
    else if (from < spec.partitions)
      changes.grow.push({ topic: spec.topic, partitions: spec.partitions, from });
  }
  return changes;
}

/**
 * Validated specs with repeated topics merged (the largest count wins, configs are united), so one
 * call never races itself. Two specs that set one config to different values are refused.
 */
export function wantedTopics(specs: readonly TopicSpec[]): Map<string, TopicSpec> {
  const wanted = new Map<string, TopicSpec>();
  for (const spec of specs) {
    validateTopicSpec(spec);
    const seen = wanted.get(spec.topic);
    wanted.set(spec.topic, seen ? mergeSpecs(seen, spec) : spec);
  }
  return wanted;
}

function mergeSpecs(a: TopicSpec, b: TopicSpec): TopicSpec {
  const configs: Record<string, string> = { ...a.configs };
  for (const [name, value] of Object.entries(b.configs ?? {})) {
    if (configs[name] !== undefined && configs[name] !== value) {
      throw new SluiceError(
        'SLUICE_CONFIG_INVALID',
        `topic "${a.topic}" is wanted with ${name}=${configs[name]} and with ${name}=${value}`,
        { subject: a.topic },
      );
    }
    configs[name] = value;
  }
  const partitions = Math.max(a.partitions, b.partitions);
  return Object.keys(configs).length > 0
    ? { topic: a.topic, partitions, configs }
    : { topic: a.topic, partitions };
}
