import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../../app/config/index.ts';
import { ConfigError, RecordError } from '../../core/errors.ts';
import type { InputRecord } from '../../streams/index.ts';
import { decodeConfigSchema } from './decode-config.ts';
import { createEventDecoder } from './decode-event.ts';
import { loadEventContract } from './event-contract.ts';
import { eventsConfigSchema } from './events-config.ts';

const sensorEvents = (parseYaml(readFileSync('models/sensor/sluice.yaml', 'utf8')) as { events: unknown })
  .events;
const contract = loadEventContract(eventsConfigSchema.parse(sensorEvents));
const decode = createEventDecoder(contract, decodeConfigSchema.parse({}));
const dir = mkdtempSync(join(tmpdir(), 'sluice-contract-'));

const reading = {
  reading_id: 'r-1',
  device_id: 'dev-0001',
  event_time: Date.now(),
  temperature_c: 61.5,
  vibration_mm_s: 2.1,
  pressure_kpa: 840,
  site: 'plant-a',
};

function record(event: object, key: string | null = 'dev-0001'): InputRecord {
  return {
    topic: 'readings',
    partition: 1,
    offset: 9,
    key: key === null ? null : Buffer.from(key),
    value: contract.codec.encode(event),
    headers: {},
    timestampMs: Date.now(),
  };
}

function rejected(event: object, code: string, ...mentions: string[]): RecordError {
  const result = decode(record(event));
  expect(result).toBeInstanceOf(RecordError);
  const error = result as RecordError;
  expect(error.code).toBe(code);
  for (const text of mentions) expect(error.message).toContain(text);
  return error;
}

function configError(events: unknown): ConfigError {
  try {
    loadEventContract(eventsConfigSchema.parse(events));
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('the contract loaded');
}

describe('an event contract of your own (the sensor example)', () => {
  it('decodes a valid reading, keyed by its device_id', () => {
    expect(decode(record(reading))).toEqual(reading);
    expect(decode(record(reading, null))).toEqual(reading);
  });

  it("turns every bound it breaks into a dead letter naming the field and the contract's key", () => {
    rejected(
      { ...reading, temperature_c: 401 },
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      '"temperature_c"=401',
      '[-60, 400] (events.fields.temperature_c)',
    );
    rejected({ ...reading, vibration_mm_s: -0.1 }, 'SLUICE_VALIDATE_OUT_OF_RANGE', '"vibration_mm_s"');
    rejected({ ...reading, pressure_kpa: Number.NaN }, 'SLUICE_VALIDATE_NOT_FINITE', '"pressure_kpa" is NaN');
    rejected({ ...reading, reading_id: '' }, 'SLUICE_VALIDATE_MISSING_FIELD', '"reading_id" is empty');
    rejected(
      { ...reading, device_id: 'd'.repeat(65) },
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      'events.fields.device_id.maxLength=64',
    );
    rejected(
      { ...reading, site: 's'.repeat(257) },
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      'events.maxStringLength=256',
    );
    rejected(
      { ...reading, event_time: Date.now() + 2 * 86_400_000 },
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      'events.maxClockSkewMs',
    );
  });

  it('keeps the key rule on the key field the contract names', () => {
    const result = decode(record(reading, 'dev-0002'));
    expect((result as RecordError).code).toBe('SLUICE_VALIDATE_KEY_MISMATCH');
    expect((result as RecordError).message).toContain('differs from field "device_id"="dev-0001"');
  });

  it('checks a nullable string only when it is set', () => {
    const schema = join(dir, 'nullable.avsc');
    writeFileSync(
      schema,
      JSON.stringify({
        type: 'record',
        name: 'Ping',
        fields: [
          { name: 'id', type: 'string' },
          { name: 'key', type: 'string' },
          { name: 'at', type: 'long' },
          { name: 'note', type: ['null', 'string'], default: null },
        ],
      }),
    );
    const own = loadEventContract(
      eventsConfigSchema.parse({
        schema,
        idField: 'id',
        timeField: 'at',
        fields: { note: { maxLength: 3 } },
      }),
    );
    const decodeOwn = createEventDecoder(own, decodeConfigSchema.parse({}));
    const ping = (note: string | null): InputRecord => ({
      topic: 'pings',
      partition: 0,
      offset: 0,
      key: null,
      value: own.codec.encode({ id: 'p', key: 'k', at: Date.now(), note }),
      headers: {},
      timestampMs: Date.now(),
    });
    expect(decodeOwn(ping(null))).not.toBeInstanceOf(Error);
    expect(decodeOwn(ping('abc'))).not.toBeInstanceOf(Error);
    expect((decodeOwn(ping('abcd')) as RecordError).message).toContain('events.fields.note.maxLength=3');
  });
});

describe('a contract that cannot serve is a config error naming the key', () => {
  const sensor = {
    schema: 'models/sensor/sensor-reading.avsc',
    idField: 'reading_id',
    keyField: 'device_id',
  };

  it('names a missing or unreadable schema', () => {
    expect(configError({ schema: '/nope/events.avsc' }).message).toMatch(
      /^events\.schema: \/nope\/events\.avsc is not a readable Avro schema/,
    );
  });

  it('names id, key and time fields the schema lacks or has of the wrong type', () => {
    expect(configError({ ...sensor, idField: 'id' }).message).toContain(
      'events.idField: field "id" is not in',
    );
    expect(configError({ ...sensor, keyField: 'temperature_c' }).message).toContain(
      'events.keyField: field "temperature_c"',
    );
    expect(configError({ ...sensor, timeField: 'site' }).message).toContain('events.timeField: field "site"');
  });

  it('names a rule for a field the schema lacks, or of the wrong kind', () => {
    expect(configError({ ...sensor, fields: { humidity: { max: 100 } } }).message).toContain(
      'events.fields.humidity',
    );
    expect(configError({ ...sensor, fields: { site: { min: 0 } } }).message).toContain(
      'events.fields.site: min and max bound numbers',
    );
    expect(configError({ ...sensor, fields: { pressure_kpa: { min: 9, max: 1 } } }).message).toContain(
      'min 9 is above max 1',
    );
  });

  it('reports the old fraud decode keys as unknown, naming where each moved', () => {
    const file = join(dir, 'old.yaml');
    writeFileSync(file, 'decode:\n  maxAmount: 500\n  maxEventAgeDays: 30\n');
    expect(() => loadConfig({ file, env: {} })).toThrow(
      /decode\.maxAmount: unknown key; it moved to events\.fields\.amount\.max/,
    );
    expect(() => loadConfig({ file, env: {} })).toThrow(
      /decode\.maxEventAgeDays: unknown key; it moved to events\.maxAgeDays/,
    );
  });
});
