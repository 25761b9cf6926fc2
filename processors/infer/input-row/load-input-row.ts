import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError, errorMessage } from '../../../core/errors.ts';
import { type CompiledRow, compileRow, RowSpecError } from './compile-row.ts';
import { eventFieldKinds } from './event-field-kinds.ts';
import { rowSpecSchema } from './row-spec.ts';

/** An input-row file: its columns (the store features they read are the bundle's feature view's). */
export const inputRowFileSchema = z.strictObject({
  doc: z.string().optional(),
  columns: rowSpecSchema,
});

/**
 * Reads an input-row file and compiles it against the event schema (the parsed `.avsc`) and the
 * store features of the bundle's view (name → default). Every problem is a ConfigError (exit 2)
 * that names the file and the column: a transform not in the set, a field the event does not have
 * or of the wrong kind, a store feature not in the view, a column name used twice.
 */
export function loadInputRow(
  path: string,
  eventSchema: unknown,
  featureDefaults: Readonly<Record<string, number>>,
): CompiledRow {
  const file = resolve(path);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ConfigError('SLUICE_CONFIG_INVALID', `input row ${file}: ${errorMessage(error)}`, {
      subject: file,
      cause: error,
    });
  }
  const parsed = inputRowFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError('SLUICE_CONFIG_INVALID', `input row ${file}: ${describeIssue(json, issue)}`, {
      subject: `${file}#${issue.path.join('.')}`,
    });
  }
  try {
    return compileRow(parsed.data.columns, {
      eventFields: eventFieldKinds(eventSchema),
      featureDefaults,
    });
  } catch (error) {
    if (!(error instanceof RowSpecError)) throw error;
    throw new ConfigError('SLUICE_CONFIG_INVALID', `input row ${file}: ${error.message}`, {
      subject: `${file}#columns.${error.column}`,
      cause: error,
    });
  }
}

/** `columns[3] "hour": field: ...`: a column by index and, when it has one, its name. */
function describeIssue(json: unknown, issue: z.core.$ZodIssue): string {
  const [first, index, ...rest] = issue.path;
  if (first !== 'columns' || typeof index !== 'number')
    return `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`;
  const column = (json as { columns?: Array<{ name?: unknown; transform?: unknown }> }).columns?.[index];
  const name = typeof column?.name === 'string' ? ` "${column.name}"` : '';
  const options = (issue as { options?: unknown[] }).options;
  if (rest.length === 1 && rest[0] === 'transform' && options)
    return `columns[${index}]${name}: transform ${JSON.stringify(column?.transform)} is not one of ${options.join(', ')}`;
  return `columns[${index}]${name}: ${rest.length > 0 ? `${rest.join('.')}: ` : ''}${issue.message}`;
}
