import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { RecordError } from '../../core/errors.ts';
import { codecs, type EventRecord, type TransactionEvent } from '../../schemas/index.ts';
import type { InputRecord } from '../../streams/index.ts';
import { eventSchemaWithout } from '../../tests/support/event-schema-without.ts';
import { decodeConfigSchema } from './decode-config.ts';
import { createEventDecoder } from './decode-event.ts';
import { defaultEventContract } from './event-contract.ts';

const decode = createEventDecoder(
  defaultEventContract(),
  decodeConfigSchema.parse({ maxMessageBytes: 1024 }),
);

const valid: TransactionEvent = {
  event_id: 'e-1',
  key: 'user-000001',
  event_time: Date.now(),
  amount: 42.5,
  merchant_category: 'grocery',
  country: 'US',
  channel: 'POS',
};

function record(value: Buffer | null, key: Buffer | null = Buffer.from('user-000001')): InputRecord {
  return {
    topic: 'events',
    partition: 2,
    offset: 17,
    key,
    value,
    headers: {},
    timestampMs: Date.now(),
  };
}

// The event schema with its strings as bytes: the same wire form, so a test can put any bytes in a string.
const rawStrings = avro.Type.forSchema({
  ...(codecs.event.type.schema() as object),
  fields: (codecs.event.type.schema() as { fields: Array<{ name: string; type: unknown }> }).fields.map(
    (f) => (f.type === 'string' ? { ...f, type: 'bytes' } : f),
  ),
} as avro.Schema);

function withRawString(field: string, bytes: Buffer): Buffer {
  const raw: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(valid))
    raw[name] = typeof value === 'string' && name !== 'channel' ? Buffer.from(value) : value;
  raw[field] = bytes;
  return rawStrings.toBuffer(raw);
}

function expectError(
  result: EventRecord | RecordError,
  code: string,
  stage: string,
  mentions: string[],
): RecordError {
  expect(result).toBeInstanceOf(RecordError);
  const error = result as RecordError;
  expect(error.code).toBe(code);
  expect(error.stage).toBe(stage);
  for (const text of mentions) expect(error.message).toContain(text);
  return error;
}

describe('decode turns every kind of bad input into a record error that names the problem', () => {
  it('accepts a valid event', () => {
    expect(decode(record(codecs.event.encode(valid)))).toEqual(valid);
  });

  it('rejects an empty or null value', () => {
    expectError(decode(record(null)), 'SLUICE_DECODE_EMPTY', 'decode', ['events/2@17']);
    expectError(decode(record(Buffer.alloc(0))), 'SLUICE_DECODE_EMPTY', 'decode', ['events/2@17']);
  });

  it('rejects bytes that are not Avro', () => {
    expectError(
      decode(record(Buffer.from('{"event_id":"json is not avro"}'))),
      'SLUICE_DECODE_NOT_AVRO',
      'decode',
      ['events/2@17'],
    );
    expectError(
      decode(record(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]))),
      'SLUICE_DECODE_NOT_AVRO',
      'decode',
      [],
    );
  });

  it('rejects a record written with another schema', () => {
    const other = avro.Type.forSchema({
      type: 'record',
      name: 'Other',
      fields: [
        { name: 'event_id', type: 'string' },
        { name: 'key', type: 'string' },
        { name: 'event_time', type: 'long' },
        { name: 'amount', type: 'double' },
        { name: 'merchant_category', type: 'string' },
        { name: 'country', type: 'string' },
        { name: 'channel', type: 'int' },
        { name: 'extra', type: 'string' },
      ],
    });
    const bytes = other.toBuffer({ ...valid, channel: 1, extra: 'surprise' });
    expectError(decode(record(bytes)), 'SLUICE_DECODE_SCHEMA_MISMATCH', 'decode', ['different schema']);
  });

  it('rejects a prediction record sent to the events topic', () => {
    const prediction = codecs.prediction.encode({
      event_id: 'e',
      key: 'k',
      model: 'fraud',
      model_version: '1',
      score: 0.5,
      label: 0,
      features_missing: [],
      features_stale: [],
      event_time: 1,
      ingest_time: 1,
      inference_time: 1,
      latency_ms: 1,
      source_partition: 0,
      source_offset: 0,
      outputs: {},
    });
    const result = decode(record(prediction));
    expect(result).toBeInstanceOf(RecordError);
  });

  it('rejects NaN and Infinity in a numeric field', () => {
    for (const amount of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      const error = expectError(
        decode(record(codecs.event.encode({ ...valid, amount }))),
        'SLUICE_VALIDATE_NOT_FINITE',
        'validate',
        ['"amount"'],
      );
      expect(error.subject).toBe('amount');
    }
  });

  it('rejects values out of range', () => {
    expectError(
      decode(record(codecs.event.encode({ ...valid, amount: -1 }))),
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      'validate',
      ['"amount"'],
    );
    expectError(
      decode(record(codecs.event.encode({ ...valid, amount: 1e12 }))),
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      'validate',
      ['[0, 10000000] (events.fields.amount)'],
    );
    expectError(
      decode(record(codecs.event.encode({ ...valid, event_time: 0 }))),
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      'validate',
      ['"event_time"'],
    );
    expectError(
      decode(record(codecs.event.encode({ ...valid, country: 'x'.repeat(300) }))),
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      'validate',
      ['"country"'],
    );
  });

  it('rejects a missing required field, whether absent from the writer schema or empty', () => {
    const withoutAmount = eventSchemaWithout('amount');
    const { amount: _amount, ...rest } = valid;
    expect(decode(record(withoutAmount.toBuffer(rest)))).toBeInstanceOf(RecordError);
    expectError(
      decode(record(codecs.event.encode({ ...valid, event_id: '' }))),
      'SLUICE_VALIDATE_MISSING_FIELD',
      'validate',
      ['"event_id"'],
    );
  });

  it('rejects an oversized message before parsing it', () => {
    const huge = codecs.event.encode({
      ...valid,
      merchant_category: 'm'.repeat(200),
      event_id: 'e'.repeat(250),
      key: 'k'.repeat(250),
    });
    const padded = Buffer.concat([huge, Buffer.alloc(2048)]);
    expectError(decode(record(padded)), 'SLUICE_DECODE_OVERSIZED', 'decode', [
      `${padded.length} bytes`,
      'decode.maxMessageBytes=1024',
    ]);
  });

  it('rejects a string field that is not UTF-8 instead of rewriting it to U+FFFD', () => {
    for (const field of ['event_id', 'key', 'merchant_category', 'country']) {
      // A lone continuation byte and an overlong encoding: both decode to U+FFFD under replacement.
      for (const bad of [Buffer.from([0x65, 0x80, 0x31]), Buffer.from([0xc0, 0xaf])]) {
        const error = expectError(
          decode(record(withRawString(field, bad), null)),
          'SLUICE_VALIDATE_NOT_UTF8',
          'validate',
          [`"${field}"`, 'events/2@17'],
        );
        expect(error.subject).toBe(field);
      }
    }
  });

  it('accepts a string that really holds U+FFFD', () => {
    const event = { ...valid, merchant_category: 'caf\uFFFD' };
    expect(decode(record(codecs.event.encode(event)))).toEqual(event);
  });

  it('takes the event key for a null Kafka key, and refuses a Kafka key that differs from it', () => {
    const bytes = codecs.event.encode(valid);
    expect(decode(record(bytes, null))).toEqual(valid);
    expect(decode(record(bytes, Buffer.from(valid.key)))).toEqual(valid);
    for (const other of ['user-000002', 'user-00000', 'user-0000011', '']) {
      const error = expectError(
        decode(record(bytes, Buffer.from(other))),
        'SLUICE_VALIDATE_KEY_MISMATCH',
        'validate',
        [JSON.stringify(other), '"key"="user-000001"'],
      );
      expect(error.subject).toBe('key');
    }
  });

  it('compares the Kafka key with the event key byte for byte, whatever the lengths and characters', () => {
    // A 200-character id takes a two-byte length in the body; a non-ASCII key takes the slow path.
    for (const event of [
      { ...valid, event_id: 'e'.repeat(200) },
      { ...valid, key: 'usér-ü-1' },
      { ...valid, event_id: 'é', key: 'k'.repeat(256) },
    ]) {
      const bytes = codecs.event.encode(event);
      expect(decode(record(bytes, Buffer.from(event.key)))).toEqual(event);
      const other = Buffer.from(event.key);
      other[other.length - 1] = other.at(-1)! ^ 1;
      expectError(decode(record(bytes, other)), 'SLUICE_VALIDATE_KEY_MISMATCH', 'validate', ['"key"=']);
      expectError(
        decode(record(bytes, Buffer.concat([Buffer.from(event.key), Buffer.from('x')]))),
        'SLUICE_VALIDATE_KEY_MISMATCH',
        'validate',
        [],
      );
    }
  });

  it('refuses a Kafka key that is not UTF-8 with its own code', () => {
    const bytes = codecs.event.encode(valid);
    expectError(
      decode(record(bytes, Buffer.from([0x75, 0xff, 0xfe]))),
      'SLUICE_VALIDATE_NOT_UTF8',
      'validate',
      ['Kafka message key'],
    );
  });

  it('dead-letters a record the adapter could not read, with the reason', () => {
    const unreadable = { ...record(codecs.event.encode(valid)), unreadable: 'headers were garbage' };
    expectError(decode(unreadable), 'SLUICE_DECODE_UNREADABLE_RECORD', 'decode', [
      'events/2@17',
      'headers were garbage',
    ]);
  });

  it('never throws, whatever the bytes', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const good = codecs.event.encode(valid);
    for (let i = 0; i < 5000; i++) {
      const bytes = Buffer.from(good);
      const flips = 1 + (random() % 4);
      for (let f = 0; f < flips; f++) bytes[random() % bytes.length] = random() & 0xff;
      const cut = random() % 3 === 0 ? bytes.subarray(0, random() % bytes.length) : bytes;
      expect(() => decode(record(cut))).not.toThrow();
    }
  });
});
