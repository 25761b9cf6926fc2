import { ConfigError, errorMessage, SluiceError } from '../../../core/errors.ts';

// A broker that cannot be reached, a send that failed after kafkajs's retries, a consumer that
// crashed: infrastructure failures, worth another try unless kafkajs says otherwise.
const UNAVAILABLE = 'SLUICE_TRANSPORT_UNAVAILABLE';

/** kafkajs error types that mean "this member's generation is over: rejoin". kafkajs does not export its check. */
const REBALANCE_TYPES = new Set([
  'REBALANCE_IN_PROGRESS',
  'ILLEGAL_GENERATION',
  'NOT_COORDINATOR_FOR_GROUP',
  'UNKNOWN_MEMBER_ID',
]);

const UNKNOWN_TOPIC = new Set(['UNKNOWN_TOPIC_OR_PARTITION']);

/** Error names kafkajs uses when a broker cannot be reached (not when it answered with an error). */
const CONNECTION_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSBrokerNotFound',
]);

/** The error and the causes kafkajs wrapped it around (retriers wrap the last failure), outermost first. */
function* causes(error: unknown): Generator<Error> {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 8; depth++) {
    yield e;
    e = e.cause;
  }
}

function hasType(error: unknown, types: ReadonlySet<string>): boolean {
  for (const e of causes(error)) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && types.has(type)) return true;
  }
  return false;
}

/** True for a kafkajs error (or one it wraps) saying the group is rebalancing or dropped this member. */
export function isRebalanceError(error: unknown): boolean {
  return hasType(error, REBALANCE_TYPES);
}

/** True when kafkajs failed to reach a broker at all (refused, closed, timed out). */
export function isConnectionFailure(error: unknown): boolean {
  for (const e of causes(error)) if (CONNECTION_ERRORS.has(e.name)) return true;
  return false;
}

/** kafkajs's own verdict on its innermost error: KafkaJSNumberOfRetriesExceeded hides a retriable one. */
function isRetriableKafkajs(error: unknown): boolean {
  let innermost: Error | undefined;
  for (const e of causes(error)) innermost = e;
  return (innermost as { retriable?: unknown } | undefined)?.retriable !== false;
}

/**
 * Turns a kafkajs failure into a SluiceError: an unknown topic or partition is SLUICE_TOPIC_UNKNOWN
 * (not retriable: the topic must be created), everything else is "unavailable", retriable unless
 * kafkajs itself says it never will work (authentication, authorisation, unsupported codecs).
 */
export function toSluiceError(error: unknown, what: string, subject?: string): SluiceError {
  if (error instanceof SluiceError) return error;
  const message = `kafka ${what} failed: ${errorMessage(error)}`;
  if (hasType(error, UNKNOWN_TOPIC)) {
    return new SluiceError('SLUICE_TOPIC_UNKNOWN', `${message}; create the topic first (ensureTopics)`, {
      cause: error,
      subject,
    });
  }
  if ([...causes(error)].some((e) => e.name === 'KafkaJSSASLAuthenticationError')) {
    return new ConfigError(
      'SLUICE_KAFKA_AUTH_FAILED',
      `${message}; check transport.kafka.sasl (mechanism, username, password)`,
      { cause: error, subject: 'transport.kafka.sasl' },
    );
  }
  return new SluiceError(UNAVAILABLE, message, {
    retriable: isRetriableKafkajs(error),
    cause: error,
    subject,
  });
}

/** A `send` that kafkajs gave up on. Retriable unless the topic is unknown: the sink's retry loop sends again. */
export function sendFailed(topic: string, error: unknown): SluiceError {
  return toSluiceError(error, `send to topic "${topic}"`, topic);
}

/**
 * The kafkajs consumer crashed with an error kafkajs will not restart on; Sluice restarts it. A
 * codec kafkajs lacks (snappy, lz4, zstd records written by another client) is named with the fix.
 */
export function consumerCrashed(groupId: string, error: unknown): SluiceError {
  const codec = [...causes(error)].some((e) => e.name === 'KafkaJSNotImplemented');
  const hint = codec
    ? '; kafkajs decodes gzip only: set transport.kafka.client=confluent to read topics compressed with snappy, lz4 or zstd'
    : '; restarting it';
  return new SluiceError(
    UNAVAILABLE,
    `kafka consumer of group "${groupId}" crashed: ${errorMessage(error)}${hint}`,
    { retriable: true, cause: error, subject: groupId },
  );
}

export { commitRejected } from '../commit-rejected.ts';

/** A retriable failure that is not a kafkajs error (a wait of our own that timed out). */
export function unavailable(message: string, subject?: string): SluiceError {
  return new SluiceError(UNAVAILABLE, message, { retriable: true, subject });
}

/** A call on a closed transport, producer or consumer. */
export function clientClosed(what: string): SluiceError {
  return new SluiceError(
    'SLUICE_TRANSPORT_CLOSED',
    `${what}: the Kafka (kafkajs) transport or client is closed`,
  );
}
