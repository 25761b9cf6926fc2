import { isUtf8 } from 'node:buffer';
import avro from 'avsc';

const CHECK = 'sluice-utf8-check';
/** What the checking type reads a string as: whether its bytes were UTF-8. */
const VALID = Symbol('valid UTF-8');
const INVALID = Symbol('invalid UTF-8');

/** Reads an Avro string's bytes (same wire form as `bytes`) and says whether they are UTF-8. */
class Utf8Check extends avro.types.LogicalType {
  override _fromValue(bytes: Buffer): symbol {
    return isUtf8(bytes) ? VALID : INVALID;
  }

  override _toValue(): never {
    throw new Error('the UTF-8 check type only reads');
  }
}

/**
 * Finds string fields whose bytes are not UTF-8. Avro strings must be UTF-8, but avsc decodes
 * invalid bytes to U+FFFD, so an id with a stray byte would silently become another id. The
 * decoder calls `firstInvalid` only for a value in which some string holds U+FFFD (rare): it
 * reads the body again with every string taken as bytes and returns the first field whose bytes
 * are not UTF-8, or undefined when each U+FFFD was really sent as such.
 */
export class Utf8Checker {
  readonly #type: avro.Type;

  /** `schema` is the schema the body was written with (the writer's, with a registry). */
  constructor(schema: avro.Schema) {
    this.#type = avro.Type.forSchema(stringsAsChecked(schema) as avro.Schema, {
      logicalTypes: { [CHECK]: Utf8Check },
    });
  }

  /** The path of the first string field that is not UTF-8 (`country`, `items[2].name`), or undefined. */
  firstInvalid(body: Buffer, start = 0): string | undefined {
    let value: unknown;
    try {
      value = this.#type.decode(body, start).value;
    } catch {
      return undefined;
    }
    return findInvalid(value, '');
  }
}

function findInvalid(value: unknown, path: string): string | undefined {
  if (value === INVALID) return path || '(value)';
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findInvalid(value[i], `${path}[${i}]`);
      if (found) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const found = findInvalid((value as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
    if (found) return found;
  }
  return undefined;
}

/** The schema with every `string` replaced by bytes read through the UTF-8 check. */
function stringsAsChecked(schema: unknown): unknown {
  if (schema === 'string') return { type: 'bytes', logicalType: CHECK };
  if (Array.isArray(schema)) return schema.map(stringsAsChecked);
  if (schema === null || typeof schema !== 'object') return schema;
  const s = schema as Record<string, unknown>;
  switch (s.type) {
    case 'string':
      return { type: 'bytes', logicalType: CHECK };
    case 'record':
    case 'error':
      return {
        ...s,
        fields: (s.fields as Array<Record<string, unknown>>).map((f) => ({
          ...f,
          type: stringsAsChecked(f.type),
          // A default would be validated against the new type; reading never uses it.
          default: undefined,
        })),
      };
    case 'array':
      return { ...s, items: stringsAsChecked(s.items) };
    case 'map':
      return { ...s, values: stringsAsChecked(s.values) };
    default:
      return typeof s.type === 'object' ? { ...s, type: stringsAsChecked(s.type) } : s;
  }
}
