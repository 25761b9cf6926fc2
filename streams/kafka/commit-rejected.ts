import { SluiceError } from '../../core/errors.ts';
import { partitionId, type TopicPartition } from '../types.ts';

/**
 * Kafka's CommitFailedException, as every adapter reports it: the partitions moved to another
 * member, or this one left the group. The engine retries or abandons such offsets on revoke.
 */
export function commitRejected(
  partitions: readonly TopicPartition[],
  reason: string,
  cause?: unknown,
): SluiceError {
  const subject = partitions.map((tp) => partitionId(tp.topic, tp.partition)).join(',');
  return new SluiceError('SLUICE_COMMIT_REJECTED', `commit for ${subject} rejected: ${reason}`, {
    subject,
    cause,
  });
}
