import { z } from 'zod';

/**
 * What a column reads: a field of the event, or a store feature of its entity (the feature's
 * default, from the bundle's feature view, stands in when the store has no value).
 */
export const operandSchema = z.union([
  z.strictObject({ field: z.string().min(1) }),
  z.strictObject({ feature: z.string().min(1) }),
]);
export type Operand = z.infer<typeof operandSchema>;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const name = z.string().min(1);

/**
 * One column of a model's input row, from the small documented set of transforms (README "Model
 * bundles"). Each writes one float32 but `oneHot`, which writes one per value.
 */
export const columnSchema = z.discriminatedUnion('transform', [
  /** The value itself: a numeric or boolean (1/0) event field, or a store feature. */
  z.strictObject({ name, transform: z.literal('value'), of: operandSchema }),
  /** `ln(1 + x)`. */
  z.strictObject({ name, transform: z.literal('log1p'), of: operandSchema }),
  /** `numerator / max(denominator, minDenominator)`: a near-zero denominator cannot blow up. */
  z.strictObject({
    name,
    transform: z.literal('ratio'),
    numerator: operandSchema,
    denominator: operandSchema,
    minDenominator: finite,
  }),
  /** `(of - mean) / max(std, minStd)`: how many deviations a reading is from its entity's mean. */
  z.strictObject({
    name,
    transform: z.literal('zscore'),
    of: operandSchema,
    mean: operandSchema,
    std: operandSchema,
    minStd: finite,
  }),
  /** Hour of day (0–23, UTC) of an epoch-milliseconds field; a time before 1970 still gives 0–23. */
  z.strictObject({ name, transform: z.literal('hourOfDay'), field: name }),
  /** 1 when a string or enum field equals `value`, else 0. */
  z.strictObject({ name, transform: z.literal('equals'), field: name, value: z.string() }),
  /** 0 when a string or enum field equals `value`, else 1. */
  z.strictObject({ name, transform: z.literal('notEquals'), field: name, value: z.string() }),
  /**
   * One column per value, 1 in the one the field equals, 0 in all (an unknown value) or the rest.
   * `names` names the columns; default `<name>_<value>`.
   */
  z.strictObject({
    name,
    transform: z.literal('oneHot'),
    field: name,
    values: z.array(z.string()).min(1),
    names: z.array(name).optional(),
  }),
  /** A table from a string or enum field's value to a number; a value not in it gets `default`. */
  z.strictObject({
    name,
    transform: z.literal('lookup'),
    field: name,
    table: z.record(z.string(), finite),
    default: finite,
  }),
]);
export type ColumnSpec = z.infer<typeof columnSchema>;

export const rowSpecSchema = z.array(columnSchema).min(1);
export type RowSpec = z.infer<typeof rowSpecSchema>;

/** The column names a spec writes, in row order (a `oneHot` writes several). */
export function columnNames(spec: RowSpec): string[] {
  const names: string[] = [];
  for (const column of spec) {
    if (column.transform !== 'oneHot') names.push(column.name);
    else names.push(...(column.names ?? column.values.map((v) => `${column.name}_${v}`)));
  }
  return names;
}
