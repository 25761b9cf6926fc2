import { RecordError } from '../../core/errors.ts';
import type { TransactionEvent } from '../../schemas/index.ts';
import { codecs, DecodeFailure, type SchemaRegistryClient, unframe } from '../../schemas/index.ts';
import type { InputRecord } from '../../streams/index.ts';
import type { DecodeConfig } from './decode-config.ts';

function where(record: InputRecord): string {
  return `${record.topic}/${record.partition}@${record.offset}`;
}

/**
 * The `decode` stage: Avro bytes to a validated TransactionEvent. Called once per consumed record
 * on the hot path (`nowMs` lets the caller read the clock once per poll). Returns a RecordError instead of throwing, so one bad record never aborts its
 * batch; the caller routes it to the dead-letter topic.
 */
export function createEventDecoder(
  config: DecodeConfig,
  registry?: SchemaRegistryClient,
): (record: InputRecord, nowMs?: number) => TransactionEvent | RecordError {
  const maxEventAgeMs = config.maxEventAgeDays * 86_400_000;
  const resolvers = new Map<number, ReturnType<typeof codecs.event.type.createResolver> | RecordError>();

  return function decodeEvent(record, nowMs = Date.now()) {
    const bytes = record.value;
    if (bytes === null || bytes.length === 0) {
      return new RecordError(
        'decode',
        'SLUICE_DECODE_EMPTY',
        `empty value at ${where(record)}; expected a TransactionEvent`,
      );
    }
    if (bytes.length > config.maxMessageBytes) {
      return new RecordError(
        'decode',
        'SLUICE_DECODE_OVERSIZED',
        `value of ${bytes.length} bytes at ${where(record)} exceeds decode.maxMessageBytes=${config.maxMessageBytes}`,
      );
    }
    let body = bytes;
    let resolver: ReturnType<typeof codecs.event.type.createResolver> | undefined;
    if (registry) {
      const framed = unframe(bytes);
      if (!framed.ok) {
        return new RecordError(
          'decode',
          'SLUICE_DECODE_BAD_MAGIC',
          `value at ${where(record)}: ${framed.message}`,
        );
      }
      const resolved = resolverFor(framed.schemaId, registry, resolvers);
      if (resolved instanceof RecordError) return withPlace(resolved, record);
      body = framed.body;
      resolver = resolved;
    }
    const decoded = codecs.event.decode(body, 0, resolver);
    if (decoded instanceof DecodeFailure) {
      const code =
        decoded.reason === 'trailing-bytes' ? 'SLUICE_DECODE_SCHEMA_MISMATCH' : 'SLUICE_DECODE_NOT_AVRO';
      const hint =
        decoded.reason === 'trailing-bytes'
          ? 'written with a different schema than schemas/transaction-event.avsc?'
          : 'not Avro binary of schemas/transaction-event.avsc';
      return new RecordError('decode', code, `value at ${where(record)} is ${hint} (${decoded.message})`);
    }
    return validateEvent(decoded, record, config, maxEventAgeMs, nowMs);
  };
}

function validateEvent(
  event: TransactionEvent,
  record: InputRecord,
  config: DecodeConfig,
  maxEventAgeMs: number,
  now: number,
): TransactionEvent | RecordError {
  // Field by field rather than a keyed loop: this runs per event and keyed access is megamorphic.
  const badString =
    checkString(event.event_id, 'event_id', record, config) ??
    checkString(event.key, 'key', record, config) ??
    checkString(event.merchant_category, 'merchant_category', record, config) ??
    checkString(event.country, 'country', record, config);
  if (badString) return badString;
  if (!Number.isFinite(event.amount)) {
    return new RecordError(
      'validate',
      'SLUICE_VALIDATE_NOT_FINITE',
      `field "amount" is ${event.amount} at ${where(record)}`,
      {
        subject: 'amount',
      },
    );
  }
  if (event.amount < 0 || event.amount > config.maxAmount) {
    return new RecordError(
      'validate',
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      `field "amount"=${event.amount} at ${where(record)} is outside [0, decode.maxAmount=${config.maxAmount}]`,
      { subject: 'amount' },
    );
  }
  if (event.event_time < now - maxEventAgeMs || event.event_time > now + config.maxClockSkewMs) {
    return new RecordError(
      'validate',
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      `field "event_time"=${event.event_time} at ${where(record)} is more than decode.maxEventAgeDays in the past or decode.maxClockSkewMs in the future`,
      { subject: 'event_time' },
    );
  }
  return event;
}

function checkString(
  value: string,
  field: string,
  record: InputRecord,
  config: DecodeConfig,
): RecordError | undefined {
  if (value.length === 0) {
    return new RecordError(
      'validate',
      'SLUICE_VALIDATE_MISSING_FIELD',
      `field "${field}" is empty at ${where(record)}`,
      {
        subject: field,
      },
    );
  }
  if (value.length > config.maxStringLength) {
    return new RecordError(
      'validate',
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      `field "${field}" has ${value.length} characters at ${where(record)}; decode.maxStringLength=${config.maxStringLength}`,
      { subject: field },
    );
  }
  return undefined;
}

/** The resolver from a writer schema id to the event schema; the registry must have been asked already (`prefetchWriterSchemas`). */
function resolverFor(
  schemaId: number,
  registry: SchemaRegistryClient,
  resolvers: Map<number, ReturnType<typeof codecs.event.type.createResolver> | RecordError>,
): ReturnType<typeof codecs.event.type.createResolver> | RecordError {
  const known = resolvers.get(schemaId);
  if (known) return known;
  const writer = registry.cached(schemaId);
  if (!writer) {
    // null: the registry said no such id. undefined: never fetched (a caller bug) — same answer, the record is unreadable.
    return new RecordError(
      'decode',
      'SLUICE_DECODE_UNKNOWN_SCHEMA_ID',
      `schema id ${schemaId} is not in the schema registry`,
    );
  }
  let resolved: ReturnType<typeof codecs.event.type.createResolver> | RecordError;
  try {
    resolved = codecs.event.type.createResolver(writer);
  } catch (error) {
    resolved = new RecordError(
      'decode',
      'SLUICE_DECODE_SCHEMA_MISMATCH',
      `writer schema id ${schemaId} cannot be read as schemas/transaction-event.avsc: ${(error as Error).message}`,
    );
  }
  resolvers.set(schemaId, resolved);
  return resolved;
}

function withPlace(error: RecordError, record: InputRecord): RecordError {
  return new RecordError(error.stage, error.code, `value at ${where(record)}: ${error.message}`);
}

/** Fetches the writer schemas of any framed records whose ids are not cached yet: one registry call per new id. */
export async function prefetchWriterSchemas(
  records: readonly InputRecord[],
  registry: SchemaRegistryClient,
): Promise<void> {
  const wanted = new Set<number>();
  for (const record of records) {
    if (!record.value) continue;
    const framed = unframe(record.value);
    if (framed.ok && registry.cached(framed.schemaId) === undefined) wanted.add(framed.schemaId);
  }
  for (const id of wanted) await registry.fetch(id);
}
