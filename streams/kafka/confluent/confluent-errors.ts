import { ConfigError, errorMessage, SluiceError, type SluiceErrorCode } from '../../../core/errors.ts';

const INVALID_PROPERTY = /^Configuration property "[^"]+"|No such configuration property/;

/** librdkafka error codes this adapter branches on (stable across librdkafka versions). */
export const RdCode = {
  QUEUE_FULL: -184,
  TIMED_OUT: -185,
  ALL_BROKERS_DOWN: -187,
  ASSIGN_PARTITIONS: -175,
  REVOKE_PARTITIONS: -174,
  UNKNOWN_TOPIC: -188,
  UNKNOWN_PARTITION: -190,
  STATE: -172,
  FENCED: -144,
  MAX_POLL_EXCEEDED: -147,
  UNKNOWN_TOPIC_OR_PART: 3,
  ILLEGAL_GENERATION: 22,
  UNKNOWN_MEMBER_ID: 25,
  REBALANCE_IN_PROGRESS: 27,
  TOPIC_ALREADY_EXISTS: 36,
  INVALID_PARTITIONS: 37,
  STALE_MEMBER_EPOCH: 113,
} as const;

// The broker is unreachable, a request timed out, a delivery failed: worth another try.
const UNAVAILABLE: SluiceErrorCode = 'SLUICE_TRANSPORT_UNAVAILABLE';

const TOPIC_CODES = new Set<number>([
  RdCode.UNKNOWN_TOPIC,
  RdCode.UNKNOWN_PARTITION,
  RdCode.UNKNOWN_TOPIC_OR_PART,
]);
const COMMIT_CODES = new Set<number>([
  RdCode.ILLEGAL_GENERATION,
  RdCode.UNKNOWN_MEMBER_ID,
  RdCode.REBALANCE_IN_PROGRESS,
  RdCode.STALE_MEMBER_EPOCH,
  RdCode.FENCED,
]);

/** The numeric librdkafka code of an error the library threw or reported, if it carries one. */
export function rdCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

function isFatal(error: unknown): boolean {
  return (error as { isFatal?: unknown } | null | undefined)?.isFatal === true;
}

/**
 * Turns a library error into a SluiceError: unknown topic/partition and rejected commits are not
 * retriable, fatal client errors neither; everything else (timeouts, transport) is.
 */
export function toSluiceError(error: unknown, what: string, subject?: string): SluiceError {
  if (error instanceof SluiceError) return error;
  const code = rdCode(error);
  if (INVALID_PROPERTY.test(errorMessage(error))) {
    // librdkafka checks its properties only when a client is created: still a config mistake.
    return new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `${what}: ${errorMessage(error)}; check transport.kafka (and the librdkafka properties under transport.kafka.rdkafka)`,
      { cause: error, subject: 'transport.kafka.rdkafka' },
    );
  }
  const detail = `${what}: ${errorMessage(error)}${code === undefined ? '' : ` (librdkafka code ${code})`}`;
  const options = { cause: error, subject };
  if (code !== undefined && TOPIC_CODES.has(code))
    return new SluiceError('SLUICE_TOPIC_UNKNOWN', detail, options);
  if (code !== undefined && COMMIT_CODES.has(code)) {
    return new SluiceError('SLUICE_COMMIT_REJECTED', detail, options);
  }
  return new SluiceError(UNAVAILABLE, detail, { ...options, retriable: !isFatal(error) });
}

/** A retriable failure that is not a library error (a timeout of our own, a broken invariant of the broker). */
export function unavailable(message: string, subject?: string): SluiceError {
  return new SluiceError(UNAVAILABLE, message, { retriable: true, subject });
}

/** Thrown by calls on a closed transport, producer or consumer. */
export function confluentClosed(what: string): SluiceError {
  return new SluiceError(
    'SLUICE_TRANSPORT_CLOSED',
    `${what}: the Kafka (confluent) transport or client is closed`,
  );
}
