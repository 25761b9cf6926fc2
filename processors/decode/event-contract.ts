import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type avro from 'avsc';
import { ConfigError, errorMessage } from '../../core/errors.ts';
import { type AvroCodec, type EventRecord, readSchemaFile } from '../../schemas/index.ts';
import { type CheckedField, compileEventValidator, type EventValidator } from './event-validator.ts';
import { DEFAULT_EVENT_SCHEMA, type EventsConfig, eventsConfigSchema } from './events-config.ts';

/** The event contract, loaded: the input schema, its codec, its named fields and its checks. */
export interface EventContract extends EventValidator {
  /** Absolute path of the `.avsc`. */
  schemaPath: string;
  /** The parsed `.avsc` (what row columns are checked against). */
  schema: avro.Schema;
  codec: AvroCodec<EventRecord>;
  idField: string;
  keyField: string;
  timeField: string;
}

const NUMERIC = new Set(['int', 'long', 'float', 'double']);

interface AvroField {
  name: string;
  type: unknown;
}

/** A top-level field's scalar type: the Avro type name (of the non-null branch of a nullable union). */
function scalarOf(type: unknown): { name: string | undefined; nullable: boolean } {
  if (Array.isArray(type)) {
    const branches = type.filter((t) => t !== 'null');
    if (branches.length === 1 && branches.length < type.length)
      return { name: scalarOf(branches[0]).name, nullable: true };
    return { name: undefined, nullable: false };
  }
  const name = typeof type === 'string' ? type : (type as { type?: unknown } | null)?.type;
  return { name: typeof name === 'string' ? name : undefined, nullable: false };
}

function fail(key: string, message: string): never {
  throw new ConfigError('SLUICE_CONFIG_INVALID', `${key}: ${message}`, { subject: key });
}

/**
 * Reads `events.schema` and checks the contract against it: the id and key fields are strings, the
 * time field is a number, and each rule of `events.fields` names a field of the kind it bounds.
 * Every problem is a ConfigError naming the config key and the schema file (exit 2).
 */
export function loadEventContract(config: EventsConfig): EventContract {
  // The default is Sluice's own file wherever it runs from; a configured path is the user's, from the working directory.
  const schemaPath =
    config.schema === DEFAULT_EVENT_SCHEMA
      ? fileURLToPath(new URL('../../schemas/transaction-event.avsc', import.meta.url))
      : resolve(config.schema);
  let schema: avro.Schema;
  let codec: AvroCodec<EventRecord>;
  try {
    ({ schema, codec } = readSchemaFile<EventRecord>(schemaPath));
  } catch (error) {
    fail('events.schema', `${schemaPath} is not a readable Avro schema: ${errorMessage(error)}`);
  }
  const fields = (schema as { type?: unknown; fields?: AvroField[] }).fields;
  if ((schema as { type?: unknown }).type !== 'record' || !Array.isArray(fields))
    fail('events.schema', `${schemaPath} must be an Avro record schema`);
  const byName = new Map(fields.map((f) => [f.name, f]));
  const names = fields.map((f) => f.name).join(', ');
  const requireField = (key: string, name: string, kinds: (k: string) => boolean, what: string) => {
    const field = byName.get(name);
    if (!field) fail(key, `field "${name}" is not in ${schemaPath} (fields: ${names})`);
    const { name: kind, nullable } = scalarOf(field.type);
    if (!kind || nullable || !kinds(kind))
      fail(key, `field "${name}" of ${schemaPath} must be ${what}, not ${JSON.stringify(field.type)}`);
  };
  requireField('events.idField', config.idField, (k) => k === 'string', 'a string');
  requireField('events.keyField', config.keyField, (k) => k === 'string', 'a string');
  requireField('events.timeField', config.timeField, (k) => NUMERIC.has(k), 'a number of epoch ms (long)');

  for (const [name, rule] of Object.entries(config.fields)) {
    const key = `events.fields.${name}`;
    const field = byName.get(name);
    if (!field) fail(key, `field "${name}" is not in ${schemaPath} (fields: ${names})`);
    const kind = scalarOf(field.type).name;
    const numeric = kind !== undefined && NUMERIC.has(kind);
    if ((rule.min !== undefined || rule.max !== undefined) && !numeric)
      fail(key, `min and max bound numbers; "${name}" is ${JSON.stringify(field.type)}`);
    if ((rule.minLength !== undefined || rule.maxLength !== undefined) && kind !== 'string')
      fail(key, `minLength and maxLength bound strings; "${name}" is ${JSON.stringify(field.type)}`);
    if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max)
      fail(key, `min ${rule.min} is above max ${rule.max}`);
  }

  const checked: CheckedField[] = [];
  for (const field of fields) {
    const { name: kind, nullable } = scalarOf(field.type);
    const rule = config.fields[field.name] ?? {};
    if (kind === 'string') {
      checked.push({
        name: field.name,
        kind: 'string',
        nullable,
        minLength: rule.minLength ?? 1,
        maxLength: rule.maxLength ?? config.maxStringLength,
        maxLengthKey:
          rule.maxLength !== undefined ? `events.fields.${field.name}.maxLength` : 'events.maxStringLength',
      });
    } else if (kind !== undefined && NUMERIC.has(kind)) {
      checked.push({
        name: field.name,
        kind: 'number',
        nullable,
        canBeNonFinite: kind === 'float' || kind === 'double',
        min: rule.min,
        max: rule.max,
      });
    }
  }
  // Strings, numbers, then the time field: the order the fraud decoder always checked them in.
  const rank = (f: CheckedField) => (f.name === config.timeField ? 2 : f.kind === 'string' ? 0 : 1);
  checked.sort((a, b) => rank(a) - rank(b));
  const validator = compileEventValidator(checked, {
    field: config.timeField,
    maxAgeMs: config.maxAgeDays * 86_400_000,
    maxClockSkewMs: config.maxClockSkewMs,
  });
  return {
    ...validator,
    schemaPath,
    schema,
    codec,
    idField: config.idField,
    keyField: config.keyField,
    timeField: config.timeField,
  };
}

let fraudContract: EventContract | undefined;

/** The fraud example's contract (every `events` key at its default), loaded once. */
export function defaultEventContract(): EventContract {
  fraudContract ??= loadEventContract(eventsConfigSchema.parse({}));
  return fraudContract;
}
