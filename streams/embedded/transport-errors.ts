import { SluiceError, type SluiceErrorCode } from '../../core/errors.ts';
import { partitionId } from '../types.ts';

// Kafka's equivalent is CommitFailedException (ILLEGAL_GENERATION / REBALANCE_IN_PROGRESS):
// retrying cannot help, the partition has moved.
const COMMIT_REJECTED: SluiceErrorCode = 'SLUICE_COMMIT_REJECTED';

/** Thrown by every embedded-broker call naming a topic that `ensureTopics` never created. */
export function unknownTopic(topic: string): SluiceError {
  return new SluiceError(
    'SLUICE_TOPIC_UNKNOWN',
    `topic "${topic}" does not exist; create it with ensureTopics() first (the embedded broker never auto-creates topics)`,
    { subject: topic },
  );
}

/** Thrown when a record or commit names a partition the topic does not have. */
export function unknownPartition(topic: string, partition: number, count: number): SluiceError {
  return new SluiceError(
    'SLUICE_TOPIC_UNKNOWN',
    `partition ${partition} of topic "${topic}" does not exist; the topic has ${count} partitions (0..${count - 1})`,
    { subject: partitionId(topic, partition) },
  );
}

/** Thrown by calls on a closed transport, producer or consumer. */
export function transportClosed(what: string): SluiceError {
  return new SluiceError('SLUICE_TRANSPORT_CLOSED', `${what}: the embedded transport or client is closed`);
}

/** Thrown by `commit` for a partition this member does not own (revoked, never assigned, or lost). */
export function commitRejected(topic: string, partition: number, reason: string): SluiceError {
  return new SluiceError(COMMIT_REJECTED, `commit for ${partitionId(topic, partition)} rejected: ${reason}`, {
    subject: partitionId(topic, partition),
  });
}

/** Thrown by `send` for a record over its topic's `max.message.bytes`, as Kafka refuses one (not retriable). */
export function recordTooLarge(topic: string, bytes: number, limit: number): SluiceError {
  return new SluiceError(
    'SLUICE_RECORD_TOO_LARGE',
    `a record of ${bytes} bytes is over topic "${topic}"'s max.message.bytes=${limit}`,
    { subject: topic },
  );
}
