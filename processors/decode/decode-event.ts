import { isUtf8 } from 'node:buffer';
import type avro from 'avsc';
import { RecordError } from '../../core/errors.ts';
import {
  DecodeFailure,
  type EventRecord,
  type SchemaRegistryClient,
  Utf8Checker,
  unframe,
} from '../../schemas/index.ts';
import type { InputRecord } from '../../streams/index.ts';
import type { DecodeConfig } from './decode-config.ts';
import type { EventContract } from './event-contract.ts';

function where(record: InputRecord): string {
  return `${record.topic}/${record.partition}@${record.offset}`;
}

/** A value for a message, cut short: user-supplied text must not blow up a dead letter's message. */
function shown(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

type Resolver = avro.Resolver;

/** How to read a writer schema's bodies: its resolver to the event schema, and its UTF-8 check. */
interface WriterReading {
  resolver: Resolver;
  utf8: Utf8Checker;
}

/**
 * The `decode` stage: Avro bytes to an event of the contract's schema, validated by its rules.
 * Called once per consumed record on the hot path (`nowMs` lets the caller read the clock once per
 * poll). Returns a RecordError instead of throwing, so one bad record never aborts its batch; the
 * caller routes it to the dead-letter topic.
 */
export function createEventDecoder(
  contract: EventContract,
  config: DecodeConfig,
  registry?: SchemaRegistryClient,
): (record: InputRecord, nowMs?: number) => EventRecord | RecordError {
  const resolvers = new Map<number, WriterReading | RecordError>();
  const { codec, keyField } = contract;
  const schemaName = contract.schemaPath;
  const ownUtf8 = new Utf8Checker(codec.type.schema() as avro.Schema);
  // The Kafka key is compared with the event's key without allocating: the key is written here.
  const keyScratch = Buffer.allocUnsafe(config.maxMessageBytes);
  const keySkip = stringFieldsBefore(codec.type.schema() as avro.Schema, keyField);

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
        `empty value at ${where(record)}; expected an event of ${schemaName}`,
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
      const resolved = readingFor(framed.schemaId, registry, resolvers, contract);
      if (resolved instanceof RecordError) return withPlace(resolved, record);
      body = framed.body;
      resolver = resolved.resolver;
      utf8 = resolved.utf8;
    }
    const decoded = codec.decode(body, 0, resolver);
    if (decoded instanceof DecodeFailure) {
      const code =
        decoded.reason === 'trailing-bytes' ? 'SLUICE_DECODE_SCHEMA_MISMATCH' : 'SLUICE_DECODE_NOT_AVRO';
      const hint =
        decoded.reason === 'trailing-bytes'
          ? `written with a different schema than ${schemaName}?`
          : `not Avro binary of ${schemaName}`;
      return new RecordError('decode', code, `value at ${where(record)} is ${hint} (${decoded.message})`);
    }
    const invalid = contract.validate(decoded, record, nowMs);
    if (invalid !== undefined) return invalid;
    // Rare paths behind cheap checks: a string holding U+FFFD (maybe rewritten from invalid bytes),
    // and a Kafka key that is not the event's key as ASCII.
    if (contract.hasReplacementChar(decoded)) {
      const notUtf8 = checkUtf8(record, body, utf8);
      if (notUtf8 !== undefined) return notUtf8;
    }
    const kafkaKey = record.key;
    if (kafkaKey !== null) {
      const eventKey = (decoded as Record<string, string>)[keyField]!;
      // In our own schema's bodies the key's bytes can be compared where they lie.
      const same =
        resolver === undefined && keySkip >= 0
          ? keyBytesAt(body, keySkip, kafkaKey)
          : sameAsciiKey(kafkaKey, eventKey);
      if (!same) return checkKafkaKey(decoded, eventKey, keyField, kafkaKey, record, keyScratch);
    }
    return decoded;
  };
}

/**
 * How many string fields come before `field` in `schema` when only strings do (then the field's
 * bytes can be found in a body by skipping them), else -1.
 */
function stringFieldsBefore(schema: avro.Schema, field: string): number {
  const fields = (schema as { fields?: Array<{ name: string; type: unknown }> }).fields ?? [];
  const index = fields.findIndex((f) => f.name === field);
  if (index < 0 || fields[index]!.type !== 'string') return -1;
  for (let i = 0; i < index; i++) if (fields[i]!.type !== 'string') return -1;
  return index;
}

/**
 * Whether the raw bytes of the string field after `skip` string fields in `body` are `key`. Lengths
 * are read as 28-bit varints: a longer one cannot be a valid key's, and a miss here only sends the
 * record to the exact comparison.
 */
function keyBytesAt(body: Buffer, skip: number, key: Buffer): boolean {
  let pos = 0;
  let length = 0;
  for (let field = 0; field <= skip; field++) {
    let value = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = body[pos++]!;
      value |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80 && shift < 28);
    length = value >>> 1;
    if (field < skip) pos += length;
  }
  if (length !== key.length) return false;
  for (let i = 0; i < length; i++) if (body[pos + i] !== key[i]) return false;
  return true;
}

/** The common case without a native call: an ASCII key compared byte by byte. */
function sameAsciiKey(bytes: Buffer, key: string): boolean {
  const n = key.length;
  if (bytes.length !== n) return false;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c > 0x7f || bytes[i] !== c) return false;
  }
  return true;
}

/** A string field whose bytes are not UTF-8, found by reading the body again (see Utf8Checker). */
function checkUtf8(record: InputRecord, body: Buffer, utf8: Utf8Checker): RecordError | undefined {
  const field = utf8.firstInvalid(body);
  if (field === undefined) return undefined;
  return new RecordError(
    'validate',
    'SLUICE_VALIDATE_NOT_UTF8',
    `field "${field}" at ${where(record)} is not valid UTF-8 (Avro strings must be); send the bytes as UTF-8`,
    { subject: field },
  );
}

/**
 * The key rule: a null Kafka key takes the event's key; a non-null one must be exactly the bytes
 * of the event's `key`, since predictions are keyed by it and per-key order depends on it. Called
 * once the ASCII fast path did not match.
 */
function checkKafkaKey(
  event: EventRecord,
  eventKey: string,
  keyField: string,
  kafkaKey: Buffer,
  record: InputRecord,
  scratch: Buffer,
): EventRecord | RecordError {
  const length = scratch.write(eventKey, 0, 'utf8');
  if (kafkaKey.length === length && kafkaKey.compare(scratch, 0, length) === 0) return event;
  if (!isUtf8(kafkaKey)) {
    return new RecordError(
      'validate',
      'SLUICE_VALIDATE_NOT_UTF8',
      `the Kafka message key at ${where(record)} is not valid UTF-8; key each event by its "${keyField}" field (or send a null key)`,
      { subject: 'Kafka key' },
    );
  }
  return new RecordError(
    'validate',
    'SLUICE_VALIDATE_KEY_MISMATCH',
    `the Kafka message key ${shown(kafkaKey.toString('utf8'))} at ${where(record)} differs from field "${keyField}"=${shown(eventKey)}; key each event by its "${keyField}" field (or send a null key)`,
    { subject: keyField },
  );
}

/** How to read a writer schema id's bodies; the registry must have been asked already (`prefetchWriterSchemas`). */
function readingFor(
  schemaId: number,
  registry: SchemaRegistryClient,
  resolvers: Map<number, WriterReading | RecordError>,
  contract: EventContract,
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
      resolver: contract.codec.type.createResolver(writer),
      utf8: new Utf8Checker(writer.schema() as avro.Schema),
    };
  } catch (error) {
    resolved = new RecordError(
      'decode',
      'SLUICE_DECODE_SCHEMA_MISMATCH',
      `writer schema id ${schemaId} cannot be read as ${contract.schemaPath}: ${(error as Error).message}`,
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
