import { RecordError } from '../../core/errors.ts';
import type { EventRecord } from '../../schemas/index.ts';
import type { InputRecord } from '../../streams/index.ts';

/** A top-level field the validator checks, with the bounds it keeps and the config key of each. */
export type CheckedField =
  | {
      name: string;
      kind: 'string';
      nullable: boolean;
      minLength: number;
      maxLength: number;
      /** The config key the bound came from, for the message. */
      maxLengthKey: string;
    }
  | {
      name: string;
      kind: 'number';
      nullable: boolean;
      /** float and double can be NaN or infinite; int and long cannot. */
      canBeNonFinite: boolean;
      min: number | undefined;
      max: number | undefined;
    };

export interface TimeRule {
  field: string;
  maxAgeMs: number;
  maxClockSkewMs: number;
}

export interface EventValidator {
  /** The first bound the event breaks, as the record error its dead letter carries; undefined when none. */
  validate(event: EventRecord, record: InputRecord, nowMs: number): RecordError | undefined;
  /** Whether any checked string holds U+FFFD (maybe rewritten from invalid bytes: then the body is read again). */
  hasReplacementChar(event: EventRecord): boolean;
}

function where(record: InputRecord): string {
  return `${record.topic}/${record.partition}@${record.offset}`;
}

/**
 * Compiles the checks of a contract into two straight-line functions, one property read per field:
 * this runs for every event, and a loop over field names would make each read megamorphic. Field
 * names reach the generated code as JSON string literals, never as identifiers.
 */
export function compileEventValidator(fields: readonly CheckedField[], time: TimeRule): EventValidator {
  const lines: string[] = [];
  const replacement: string[] = [];
  fields.forEach((field, i) => {
    const read = `v = e[${JSON.stringify(field.name)}];`;
    const checks: string[] = [];
    if (field.kind === 'string') {
      checks.push(`if (v.length < ${field.minLength}) return h.short(${i}, v, r);`);
      checks.push(`if (v.length > ${field.maxLength}) return h.long(${i}, v, r);`);
      const test = `e[${JSON.stringify(field.name)}]`;
      replacement.push(field.nullable ? `(${test} !== null && ${test}.includes(R))` : `${test}.includes(R)`);
    } else {
      if (field.canBeNonFinite) checks.push(`if (!Number.isFinite(v)) return h.notFinite(${i}, v, r);`);
      const low = field.min !== undefined ? `v < ${field.min}` : '';
      const high = field.max !== undefined ? `v > ${field.max}` : '';
      const out = [low, high].filter(Boolean).join(' || ');
      if (out) checks.push(`if (${out}) return h.range(${i}, v, r);`);
      if (field.name === time.field)
        checks.push(
          `if (v < now - ${time.maxAgeMs} || v > now + ${time.maxClockSkewMs}) return h.time(v, r);`,
        );
    }
    if (checks.length === 0) return;
    lines.push(read, field.nullable ? `if (v !== null) { ${checks.join(' ')} }` : checks.join('\n'));
  });
  const helpers = messageHelpers(fields, time);
  const validate = new Function(
    'h',
    `'use strict';\nreturn function validate(e, r, now) {\nlet v;\n${lines.join('\n')}\nreturn undefined;\n};`,
  )(helpers) as EventValidator['validate'];
  const hasReplacementChar = new Function(
    'R',
    `'use strict';\nreturn function hasReplacementChar(e) { return ${replacement.join(' || ') || 'false'}; };`,
  )('\uFFFD') as EventValidator['hasReplacementChar'];
  return { validate, hasReplacementChar };
}

/** The messages, built only for a record that breaks a bound (the rare path). */
function messageHelpers(fields: readonly CheckedField[], time: TimeRule) {
  const fail = (name: string, code: string, text: string) =>
    new RecordError('validate', code as 'SLUICE_VALIDATE_OUT_OF_RANGE', text, { subject: name });
  return {
    short(i: number, value: string, record: InputRecord) {
      const field = fields[i] as Extract<CheckedField, { kind: 'string' }>;
      if (value.length === 0)
        return fail(
          field.name,
          'SLUICE_VALIDATE_MISSING_FIELD',
          `field "${field.name}" is empty at ${where(record)}`,
        );
      return fail(
        field.name,
        'SLUICE_VALIDATE_OUT_OF_RANGE',
        `field "${field.name}" has ${value.length} characters at ${where(record)}; events.fields.${field.name}.minLength=${field.minLength}`,
      );
    },
    long(i: number, value: string, record: InputRecord) {
      const field = fields[i] as Extract<CheckedField, { kind: 'string' }>;
      return fail(
        field.name,
        'SLUICE_VALIDATE_OUT_OF_RANGE',
        `field "${field.name}" has ${value.length} characters at ${where(record)}; ${field.maxLengthKey}=${field.maxLength}`,
      );
    },
    notFinite(i: number, value: number, record: InputRecord) {
      const name = fields[i]!.name;
      return fail(name, 'SLUICE_VALIDATE_NOT_FINITE', `field "${name}" is ${value} at ${where(record)}`);
    },
    range(i: number, value: number, record: InputRecord) {
      const field = fields[i] as Extract<CheckedField, { kind: 'number' }>;
      const low = field.min ?? '-∞';
      const high = field.max ?? '∞';
      return fail(
        field.name,
        'SLUICE_VALIDATE_OUT_OF_RANGE',
        `field "${field.name}"=${value} at ${where(record)} is outside [${low}, ${high}] (events.fields.${field.name})`,
      );
    },
    time(value: number, record: InputRecord) {
      return fail(
        time.field,
        'SLUICE_VALIDATE_OUT_OF_RANGE',
        `field "${time.field}"=${value} at ${where(record)} is more than events.maxAgeDays in the past or events.maxClockSkewMs in the future`,
      );
    },
  };
}
