import { isUtf8 } from 'node:buffer';
import type avro from 'avsc';
import { RecordError } from '../../core/errors.ts';
import type { TransactionEvent } from '../../schemas/index.ts';
import {
  codecs,
  DecodeFailure,
  type SchemaRegistryClient,
  Utf8Checker,
  unframe,
} from '../../schemas/index.ts';
import type { InputRecord } from '../../streams/index.ts';
import type { DecodeConfig } from './decode-config.ts';

function where(record: InputRecord): string {
  return `${record.topic}/${record.partition}@${record.offset}`;
}

/** A value for a message, cut short: user-supplied text must not blow up a dead letter's message. */
function shown(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

type Resolver = ReturnType<typeof codecs.event.type.createResolver>;

/** How to read a writer schema's bodies: its resolver to the event schema, and its UTF-8 check. */
interface WriterReading {
  resolver: Resolver;
  utf8: Utf8Checker;
}

/** What validation needs besides the event: where the body starts and how to check its strings. */
interface BodyContext {
  body: Buffer;
  utf8: Utf8Checker;
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
  const resolvers = new Map<number, WriterReading | RecordError>();
  const ownUtf8 = new Utf8Checker(codecs.event.type.schema() as avro.Schema);
  // The Kafka key is compared with the event's key without allocating: the key is written here.
  const keyScratch = Buffer.allocUnsafe(config.maxStringLength * 3);

  return function decodeEvent(record, nowMs = Date.now()) {
    if (record.unreadable !== undefined) {
      return new RecordError(
        'decode',
        'SLUICE_DECODE_UNREADABLE_RECORD',
        `record at ${where(record)} could not be read from Kafka (${record.unreadable}); its key and value are kept as fetched, its headers are not`,
      );
    }
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
    let resolver: Resolver | undefined;
    let utf8 = ownUtf8;
    if (registry) {
      const framed = unframe(bytes);
      if (!framed.ok) {
        return new RecordError(
          'decode',
          'SLUICE_DECODE_BAD_MAGIC',
          `value at ${where(record)}: ${framed.message}`,
        );
      }
      const resolved = readingFor(framed.schemaId, registry, resolvers);
      if (resolved instanceof RecordError) return withPlace(resolved, record);
      body = framed.body;
      resolver = resolved.resolver;
      utf8 = resolved.utf8;
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
    const invalid = validateEvent(decoded, record, config, maxEventAgeMs, nowMs, { body, utf8 });
    if (invalid) return invalid;
    return checkKafkaKey(decoded, record, keyScratch) ?? decoded;
  };
}

function validateEvent(
  event: TransactionEvent,
  record: InputRecord,
  config: DecodeConfig,
  maxEventAgeMs: number,
  now: number,
  context: BodyContext,
): RecordError | undefined {
  // Field by field rather than a keyed loop: this runs per event and keyed access is megamorphic.
  const badString =
    checkString(event.event_id, 'event_id', record, config) ??
    checkString(event.key, 'key', record, config) ??
    checkString(event.merchant_category, 'merchant_category', record, config) ??
    checkString(event.country, 'country', record, config);
  if (badString) return badString;
  if (
    event.event_id.includes('\uFFFD') ||
    event.key.includes('\uFFFD') ||
    event.merchant_category.includes('\uFFFD') ||
    event.country.includes('\uFFFD')
  ) {
    const field = context.utf8.firstInvalid(context.body);
    if (field !== undefined) {
      return new RecordError(
        'validate',
        'SLUICE_VALIDATE_NOT_UTF8',
        `field "${field}" at ${where(record)} is not valid UTF-8 (Avro strings must be); send the bytes as UTF-8`,
        { subject: field },
      );
    }
  }
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
  return undefined;
}

/**
 * The key rule: a null Kafka key takes the event's key; a non-null one must be exactly the bytes
 * of the event's `key`, since predictions are keyed by it and per-key order depends on it.
 */
function checkKafkaKey(
  event: TransactionEvent,
  record: InputRecord,
  scratch: Buffer,
): RecordError | undefined {
  const kafkaKey = record.key;
  if (kafkaKey === null) return undefined;
  const length = scratch.write(event.key, 0, 'utf8');
  if (kafkaKey.length === length && kafkaKey.compare(scratch, 0, length) === 0) return undefined;
  if (!isUtf8(kafkaKey)) {
    return new RecordError(
      'validate',
      'SLUICE_VALIDATE_NOT_UTF8',
      `the Kafka message key at ${where(record)} is not valid UTF-8; key each event by its "key" field (or send a null key)`,
      { subject: 'Kafka key' },
    );
  }
  return new RecordError(
    'validate',
    'SLUICE_VALIDATE_KEY_MISMATCH',
    `the Kafka message key ${shown(kafkaKey.toString('utf8'))} at ${where(record)} differs from field "key"=${shown(event.key)}; key each event by its "key" field (or send a null key)`,
    { subject: 'key' },
  );
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

/** How to read a writer schema id's bodies; the registry must have been asked already (`prefetchWriterSchemas`). */
function readingFor(
  schemaId: number,
  registry: SchemaRegistryClient,
  resolvers: Map<number, WriterReading | RecordError>,
): WriterReading | RecordError {
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
  let resolved: WriterReading | RecordError;
  try {
    resolved = {
      resolver: codecs.event.type.createResolver(writer),
      utf8: new Utf8Checker(writer.schema() as avro.Schema),
    };
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
