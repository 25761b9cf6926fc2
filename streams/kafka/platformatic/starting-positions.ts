import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import type { Consumer, GroupAssignment } from '@platformatic/kafka';
import type { Logger } from '../../../core/logger.ts';
import type { TopicPartition } from '../../types.ts';
import type { FetchPosition } from './fetch-positions.ts';
import { hasApiError } from './platformatic-errors.ts';

// Offsets in ListOffsets: the log start and the log end.
const EARLIEST = -2n;
const LATEST = -1n;
// An undecided transaction is decided within the broker's transaction.max.timeout.ms (15 min by default).
const UNSTABLE_WAIT_MS = 15 * 60_000;
const UNSTABLE_RETRY_MS = 100;
const UNSTABLE_LOG_EVERY_MS = 10_000;

/** What reading the starting positions needs besides the client. */
export interface StartingPositionsOptions {
  fromBeginning: boolean;
  /** False once the assignment these positions are for is gone (a rebalance, a close): stop waiting. */
  stillWanted: () => boolean;
  logger: Logger;
}

/**
 * Where each partition of a new assignment starts: the group's committed offset, else by
 * `auto.offset.reset` (earliest when `fromBeginning`, else latest). Offsets a transaction still
 * commits are waited for (see `requiringStable`), so an exactly-once member never starts behind a
 * commit about to land.
 */
export async function startingPositions(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  assignment: readonly TopicPartition[],
  options: StartingPositionsOptions,
): Promise<FetchPosition[]> {
  const { fromBeginning } = options;
  if (assignment.length === 0) return [];
  const committed = await stableCommittedOffsets(consumer, assignment, options);
  if (committed === undefined) return [];
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

async function stableCommittedOffsets(
  consumer: Consumer<Buffer, Buffer, Buffer, Buffer>,
  assignment: readonly TopicPartition[],
  { stillWanted, logger }: StartingPositionsOptions,
): Promise<Map<string, bigint[]> | undefined> {
  const started = Date.now();
  let loggedAt = started;
  for (;;) {
    try {
      return await consumer.listCommittedOffsets({ topics: groupByTopic(assignment) });
    } catch (error) {
      if (!hasApiError(error, 'UNSTABLE_OFFSET_COMMIT') || Date.now() - started > UNSTABLE_WAIT_MS)
        throw error;
    }
    if (!stillWanted()) return undefined;
    if (Date.now() - loggedAt >= UNSTABLE_LOG_EVERY_MS) {
      loggedAt = Date.now();
      logger.warn(
        { groupId: consumer.groupId, waitedMs: loggedAt - started },
        'kafka consumer waits for an open transaction that commits offsets of its partitions',
      );
    }
    await sleep(UNSTABLE_RETRY_MS);
  }
}

/**
 * OffsetFetch with require_stable set (KIP-447; the client always sends false): while a
 * transaction that commits offsets of these partitions is undecided, the coordinator answers
 * UNSTABLE_OFFSET_COMMIT rather than the offset from before it. Without it a member that takes a
 * partition over, or restarts, while the last transaction's markers are still being written starts
 * from the offset before that transaction and scores its records a second time.
 */
export function requiringStable(api: unknown): unknown {
  const offsetFetch = api as ((...args: unknown[]) => void) & { key: number; version: number };
  const call = (connection: unknown, groups: unknown, _requireStable: unknown, ...rest: unknown[]) =>
    offsetFetch(connection, groups, true, ...rest);
  return Object.assign(call, { async: promisify(call), key: offsetFetch.key, version: offsetFetch.version });
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
