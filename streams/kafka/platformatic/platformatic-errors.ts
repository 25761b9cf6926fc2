import { ConfigError, errorMessage, SluiceError } from '../../../core/errors.ts';

const UNAVAILABLE = 'SLUICE_TRANSPORT_UNAVAILABLE';

/** What @platformatic/kafka's errors carry; a failure nests its causes in `errors` and `cause`. */
interface PlatformaticError extends Error {
  code?: string;
  apiId?: string;
  canRetry?: boolean;
  needsRejoin?: boolean;
  hasStaleMetadata?: boolean;
  errors?: unknown[];
}

/** The error and everything nested in it (`errors` of aggregates, `cause` chains), depth-first. */
function* nested(error: unknown, depth = 0): Generator<PlatformaticError> {
  if (!(error instanceof Error) || depth > 8) return;
  const e = error as PlatformaticError;
  yield e;
  if (Array.isArray(e.errors)) for (const inner of e.errors) yield* nested(inner, depth + 1);
  if (e.cause !== undefined) yield* nested(e.cause, depth + 1);
}

function find(error: unknown, property: keyof PlatformaticError, value: unknown): PlatformaticError | null {
  for (const e of nested(error)) if (e[property] === value) return e;
  return null;
}

/** True for a broker answer that names this Kafka error (UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE, …). */
export function hasApiError(error: unknown, apiId: string): boolean {
  return find(error, 'apiId', apiId) !== null;
}

/** The group is rebalancing or dropped this member: its generation is over. */
export function isRebalanceError(error: unknown): boolean {
  return find(error, 'needsRejoin', true) !== null;
}

/** The broker says the client's metadata is out of date (a leader moved, a topic went away). */
export function hasStaleMetadata(error: unknown): boolean {
  return find(error, 'hasStaleMetadata', true) !== null;
}

/** The client could not reach a broker at all (refused, closed, timed out). */
export function isConnectionFailure(error: unknown): boolean {
  return find(error, 'code', 'PLT_KFK_NETWORK') !== null || find(error, 'code', 'PLT_KFK_TIMEOUT') !== null;
}

/**
 * A @platformatic/kafka failure as a SluiceError: an unknown topic is SLUICE_TOPIC_UNKNOWN (create
 * it first), a refused login a ConfigError naming `transport.kafka.sasl`, everything else
 * "unavailable", retriable unless the client says it never will work.
 */
export function toSluiceError(error: unknown, what: string, subject?: string): SluiceError {
  if (error instanceof SluiceError) return error;
  const message = `kafka ${what} failed: ${describe(error)}`;
  if (hasApiError(error, 'UNKNOWN_TOPIC_OR_PARTITION') || hasApiError(error, 'UNKNOWN_TOPIC_ID')) {
    return new SluiceError('SLUICE_TOPIC_UNKNOWN', `${message}; create the topic first (ensureTopics)`, {
      cause: error,
      subject,
    });
  }
  if (
    find(error, 'code', 'PLT_KFK_AUTHENTICATION') !== null ||
    hasApiError(error, 'SASL_AUTHENTICATION_FAILED')
  ) {
    return new ConfigError(
      'SLUICE_KAFKA_AUTH_FAILED',
      `${message}; check transport.kafka.sasl (mechanism, username, password)`,
      { cause: error, subject: 'transport.kafka.sasl' },
    );
  }
  const retriable =
    (error as PlatformaticError | undefined)?.canRetry !== false || isConnectionFailure(error);
  return new SluiceError(UNAVAILABLE, message, { retriable, cause: error, subject });
}

/** A `send` the client gave up on; the sink's retry loop sends again unless the topic is unknown. */
export function sendFailed(topic: string, error: unknown): SluiceError {
  return toSluiceError(error, `send to topic "${topic}"`, topic);
}

export { commitRejected } from '../commit-rejected.ts';

/** A call on a closed transport, producer or consumer. */
export function clientClosed(what: string): SluiceError {
  return new SluiceError(
    'SLUICE_TRANSPORT_CLOSED',
    `${what}: the Kafka (platformatic) transport or client is closed`,
  );
}

/** The message, with the broker's error names that @platformatic/kafka keeps in nested errors. */
export function describe(error: unknown): string {
  const base = errorMessage(error);
  const names = new Set<string>();
  for (const e of nested(error)) if (e !== error) names.add(e.apiId ?? e.message);
  if (names.size === 0) return base;
  return `${base} (${[...names].slice(0, 3).join('; ')})`;
}
