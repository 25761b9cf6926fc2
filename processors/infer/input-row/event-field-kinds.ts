import type { FieldKind } from './compile-row.ts';

const NUMERIC = new Set(['int', 'long', 'float', 'double']);

/**
 * The fields of an Avro record schema a row column can read, by kind: numbers (with or without a
 * logical type such as timestamp-millis), booleans, and strings and enums. Unions (nullable
 * fields), records, arrays, maps and bytes are left out: no transform reads them.
 */
export function eventFieldKinds(schema: unknown): Map<string, FieldKind> {
  const kinds = new Map<string, FieldKind>();
  const fields = (schema as { fields?: unknown } | null)?.fields;
  if (!Array.isArray(fields)) return kinds;
  for (const field of fields as Array<{ name?: unknown; type?: unknown }>) {
    if (typeof field?.name !== 'string') continue;
    const kind = kindOf(field.type);
    if (kind) kinds.set(field.name, kind);
  }
  return kinds;
}

function kindOf(type: unknown): FieldKind | undefined {
  const name = typeof type === 'string' ? type : (type as { type?: unknown } | null)?.type;
  if (typeof name !== 'string') return undefined;
  if (NUMERIC.has(name)) return 'number';
  if (name === 'boolean') return 'boolean';
  if (name === 'string' || name === 'enum') return 'string';
  return undefined;
}
