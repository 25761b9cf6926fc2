import type { Consumer, GroupAssignment } from '@platformatic/kafka';
import type { TopicPartition } from '../../types.ts';
import type { FetchPosition } from './fetch-positions.ts';

// Offsets in ListOffsets: the log start and the log end.
const EARLIEST = -2n;
const LATEST = -1n;

/**
 * Where each partition of a new assignment starts: the group's committed offset, else by
 * `auto.offset.reset` (earliest when `fromBeginning`, else latest).
 */
export async function startingPositions(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  assignment: readonly TopicPartition[],
  fromBeginning: boolean,
): Promise<FetchPosition[]> {
  if (assignment.length === 0) return [];
  const committed = await consumer.listCommittedOffsets({ topics: groupByTopic(assignment) });
  const found: FetchPosition[] = [];
  const missing: TopicPartition[] = [];
  for (const { topic, partition } of assignment) {
    const offset = committed.get(topic)?.[partition];
    if (offset !== undefined && offset >= 0n) found.push({ topic, partition, offset: Number(offset) });
    else missing.push({ topic, partition });
  }
  return [...found, ...(await resetPositions(consumer, missing, fromBeginning))];
}

/** Positions by `auto.offset.reset` for partitions without a usable one (none committed, or out of range). */
export async function resetPositions(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  partitions: readonly TopicPartition[],
  fromBeginning: boolean,
): Promise<FetchPosition[]> {
  if (partitions.length === 0) return [];
  const offsets = await consumer.listOffsets({
    topics: [...new Set(partitions.map((p) => p.topic))],
    timestamp: fromBeginning ? EARLIEST : LATEST,
  });
  return partitions.map(({ topic, partition }) => ({
    topic,
    partition,
    offset: Number(offsets.get(topic)?.[partition] ?? 0n),
  }));
}

function groupByTopic(partitions: readonly TopicPartition[]): GroupAssignment[] {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of partitions) {
    const list = byTopic.get(topic);
    if (list) list.push(partition);
    else byTopic.set(topic, [partition]);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, partitions: list }));
}
