import type avro from 'avsc';
import { readFeatureFile } from '../features-load/read-feature-file.ts';

/** One data line of an event file: its 1-based line number and the event, or why it is not one. */
export type EventLine =
  | { lineNo: number; event: Record<string, unknown> }
  | { lineNo: number; error: string };

interface AvroField {
  name: string;
  type: unknown;
}

const NUMBER_TYPES = new Set(['int', 'long', 'float', 'double']);

/** A field's type name, and whether null is allowed (a `["null", T]` union). */
function typeOf(type: unknown): { name: string; nullable: boolean } {
  if (Array.isArray(type)) {
    const other = type.find((t) => t !== 'null');
    return { name: typeOf(other).name, nullable: type.includes('null') };
  }
  if (typeof type === 'string') return { name: type, nullable: false };
  const inner = (type as { type?: unknown; logicalType?: unknown } | null)?.type;
  return { name: typeof inner === 'string' ? inner : 'record', nullable: false };
}

/** A CSV cell as the field's type: numbers and booleans parsed, an empty cell null where allowed. */
function fromCell(cell: unknown, type: { name: string; nullable: boolean }): unknown {
  if (typeof cell !== 'string') return cell;
  if (cell === '' && type.nullable) return null;
  if (NUMBER_TYPES.has(type.name)) {
    // A cell that is not a number stays text, so the schema check names it; "NaN" is a number on purpose.
    const value = Number(cell);
    return cell.trim() === '' || (Number.isNaN(value) && cell.trim() !== 'NaN') ? cell : value;
  }
  if (type.name === 'boolean') return cell === 'true' ? true : cell === 'false' ? false : cell;
  return cell;
}

/**
 * Reads a JSONL or CSV file of events line by line and checks each against the Avro schema: a
 * line that is not an event of it is yielded as an error naming the first bad field, and reading
 * goes on. CSV cells are parsed by their field's type; JSONL values must already be of it.
 */
export async function* readEventFile(
  path: string,
  type: avro.Type,
  onBytes: (bytesRead: number) => void = () => undefined,
  /** Columns kept beside the schema's fields (a training label), not reported as unknown. */
  extraColumns: readonly string[] = [],
): AsyncGenerator<EventLine> {
  const fields = ((type.schema() as { fields?: AvroField[] }).fields ?? []).map((f) => ({
    name: f.name,
    type: typeOf(f.type),
  }));
  const csv = path.endsWith('.csv');
  for await (const line of readFeatureFile(path, onBytes, null)) {
    if ('error' in line) {
      yield line;
      continue;
    }
    const event: Record<string, unknown> = {};
    for (const field of fields) {
      const value = line.row[field.name];
      event[field.name] = csv ? fromCell(value, field.type) : value;
    }
    const unknown = Object.keys(line.row).filter(
      (name) => !fields.some((f) => f.name === name) && !extraColumns.includes(name),
    );
    const problem =
      firstInvalid(type, event) ?? (unknown.length > 0 ? `unknown field "${unknown[0]}"` : undefined);
    if (problem) {
      yield { lineNo: line.lineNo, error: problem };
      continue;
    }
    for (const name of extraColumns) if (name in line.row) event[name] = line.row[name];
    yield { lineNo: line.lineNo, event };
  }
}

/** The first field that does not fit the schema, as `field "x": <value> is not a <type>`. */
function firstInvalid(type: avro.Type, event: Record<string, unknown>): string | undefined {
  let problem: string | undefined;
  type.isValid(event, {
    errorHook(path, value, fieldType) {
      if (problem !== undefined) return;
      const shown = value === undefined ? 'missing' : `${JSON.stringify(value)} is not`;
      problem = `field "${path.join('.')}": ${shown}${value === undefined ? ` (a ${typeName(fieldType)})` : ` a ${typeName(fieldType)}`}`;
    },
  });
  return problem;
}

function typeName(type: avro.Type): string {
  const schema = type.schema();
  if (typeof schema === 'string') return schema;
  if (Array.isArray(schema)) return schema.map((s) => (typeof s === 'string' ? s : 'record')).join(' or ');
  const s = schema as { type?: unknown; symbols?: string[] };
  if (s.type === 'enum' && s.symbols) return `one of ${s.symbols.join(', ')}`;
  return String(s.type ?? type.typeName);
}
