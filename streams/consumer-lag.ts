import type { Transport } from './types.ts';

/** One input partition's backlog: its log-end offset, the group's committed offset, and the difference. */
export interface PartitionLag {
  topic: string;
  partition: number;
  end: number;
  /** null where the group never committed: then every record is counted as lag. */
  committed: number | null;
  lag: number;
}

/**
 * Consumer lag per partition of `topics` for `groupId`: log-end offset minus committed offset, as
 * the transport reports them (the embedded broker's own logs, Kafka's ListOffsets and OffsetFetch).
 * It reads what was committed, so it also counts records delivered but not yet committed.
 */
export async function consumerLag(
  transport: Pick<Transport, 'endOffsets' | 'committedOffsets'>,
  groupId: string,
  topics: readonly string[],
): Promise<PartitionLag[]> {
  const perTopic = await Promise.all(
    topics.map(async (topic) => {
      const [ends, committed] = await Promise.all([
        transport.endOffsets(topic),
        transport.committedOffsets(groupId, topic),
      ]);
      return ends.map((end, partition) => {
        const at = committed[partition] ?? null;
        return { topic, partition, end, committed: at, lag: Math.max(0, end - (at ?? 0)) };
      });
    }),
  );
  return perTopic.flat();
}
