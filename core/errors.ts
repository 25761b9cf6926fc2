/**
 * Every error Sluice raises on purpose. A code is stable and never reused: dashboards, dead
 * letters and alerts key on it. Retriable errors are infrastructure failures worth another try;
 * the rest describe the input or the config and will fail the same way again.
 */
export type SluiceErrorCode =
  // config and startup
  | 'SLUICE_CONFIG_INVALID'
  | 'SLUICE_CONFIG_FILE_UNREADABLE'
  | 'SLUICE_MODEL_FILE_MISSING'
  | 'SLUICE_MODEL_LOAD_FAILED'
  | 'SLUICE_MODEL_SIGNATURE_MISMATCH'
  | 'SLUICE_PROVIDER_UNAVAILABLE'
  // per-record failures, carried on dead letters
  | 'SLUICE_DECODE_EMPTY'
  | 'SLUICE_DECODE_OVERSIZED'
  | 'SLUICE_DECODE_NOT_AVRO'
  | 'SLUICE_DECODE_SCHEMA_MISMATCH'
  | 'SLUICE_DECODE_BAD_MAGIC'
  | 'SLUICE_DECODE_UNKNOWN_SCHEMA_ID'
  | 'SLUICE_DECODE_UNREADABLE_RECORD'
  | 'SLUICE_VALIDATE_MISSING_FIELD'
  | 'SLUICE_VALIDATE_NOT_FINITE'
  | 'SLUICE_VALIDATE_OUT_OF_RANGE'
  | 'SLUICE_VALIDATE_NOT_UTF8'
  | 'SLUICE_VALIDATE_KEY_MISMATCH'
  | 'SLUICE_ENRICH_FEATURE_MISSING'
  | 'SLUICE_ENRICH_FEATURE_STALE'
  | 'SLUICE_ENRICH_FEATURE_WRONG_TYPE'
  | 'SLUICE_INFER_FAILED'
  | 'SLUICE_DRIFT_PARTIAL_INVALID'
  // infrastructure
  | 'SLUICE_TRANSPORT_CLOSED'
  | 'SLUICE_TRANSPORT_UNAVAILABLE'
  | 'SLUICE_KAFKA_AUTH_FAILED'
  | 'SLUICE_TRANSACTION_FAILED'
  | 'SLUICE_TOPIC_UNKNOWN'
  | 'SLUICE_RECORD_TOO_LARGE'
  | 'SLUICE_LIVE_CHANNEL_UNKNOWN'
  | 'SLUICE_LIVE_PORT_BUSY'
  | 'SLUICE_COMMIT_REJECTED'
  | 'SLUICE_WORKER_CRASHED'
  | 'SLUICE_FEATURE_STORE_UNAVAILABLE'
  | 'SLUICE_FEATURE_STORE_AUTH_FAILED'
  | 'SLUICE_SHUTDOWN'
  | 'SLUICE_SINK_UNAVAILABLE'
  | 'SLUICE_SINK_REJECTED';

/** The stable string id of each pipeline stage; logs, metrics, traces and dead letters use it. */
export type StageId = 'decode' | 'validate' | 'enrich' | 'batch' | 'infer' | 'drift' | 'encode' | 'sink';

export interface SluiceErrorOptions {
  retriable?: boolean;
  cause?: unknown;
  /** The config key, field, topic/partition/offset the user has to look at. */
  subject?: string;
}

/** Base of every deliberate error. Callers branch on `code`, never on the message. */
export class SluiceError extends Error {
  readonly code: SluiceErrorCode;
  readonly retriable: boolean;
  readonly subject: string | undefined;

  constructor(code: SluiceErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SluiceError';
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.subject = options.subject;
  }
}

/** A record-level failure: the record goes to the dead-letter topic, its batch carries on. */
export class RecordError extends SluiceError {
  readonly stage: StageId;

  constructor(stage: StageId, code: SluiceErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(code, message, options);
    this.name = 'RecordError';
    this.stage = stage;
  }
}

/** Startup/config failure: the process prints it and exits with code 2. */
export class ConfigError extends SluiceError {
  constructor(code: SluiceErrorCode, message: string, options: SluiceErrorOptions = {}) {
    super(code, message, options);
    this.name = 'ConfigError';
  }
}

/**
 * Errors that mean a bug in Sluice, not a failing service: retrying runs the same code into the
 * same error, so they go to the fatal path at once.
 */
export function isProgrammerError(error: unknown): boolean {
  return (
    error instanceof TypeError ||
    error instanceof RangeError ||
    error instanceof ReferenceError ||
    error instanceof SyntaxError ||
    error instanceof EvalError ||
    error instanceof URIError
  );
}

/** Whether another try may succeed: SluiceErrors say so themselves; programmer errors never; anything else (a client's own error) may. */
export function isRetriable(error: unknown): boolean {
  if (error instanceof SluiceError) return error.retriable;
  if (isProgrammerError(error)) return false;
  return true;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  // Native clients report plain objects such as { code, message } rather than Errors.
  const message = (error as { message?: unknown } | null | undefined)?.message;
  if (typeof message === 'string' && message.length > 0) return message;
  if (typeof error === 'object' && error !== null) {
    try {
      return JSON.stringify(error);
    } catch {
      // Circular: fall through to String().
    }
  }
  return String(error);
}
