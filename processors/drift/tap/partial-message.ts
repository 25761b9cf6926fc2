import { z } from 'zod';
import type { PartialWindow } from '../window/event-time-windows.ts';
import type { WindowStateJson } from '../window/window-state.ts';

const offsetRangeSchema = z.strictObject({
  topic: z.string().min(1),
  partition: z.number().int().nonnegative(),
  from: z.number().int().nonnegative(),
  to: z.number().int().nonnegative(),
});

const stateSchema = z.strictObject({
  count: z.number().int().nonnegative(),
  binCounts: z.array(z.array(z.number().int().nonnegative())),
  missingCounts: z.array(z.number().int().nonnegative()),
  categoryCounts: z.array(z.record(z.string(), z.number().int().nonnegative())),
  sample: z.strictObject({ ids: z.array(z.string().min(1)), values: z.string() }),
});

/**
 * One replica's part of a drift window as the `drift.partials` topic carries it (JSON, keyed by
 * the window start so every part of a window lands on one partition). `empty` names the input
 * partitions this replica read lately that had no event in the window: they count as covered.
 */
export const partialMessageSchema = z.strictObject({
  /** 2: the sample's values as base64 doubles (1 had them as JSON numbers). */
  version: z.literal(2),
  model: z.string(),
  modelVersion: z.string(),
  replica: z.string().min(1),
  windowStart: z.number().int(),
  windowEnd: z.number().int(),
  closedBy: z.enum(['watermark', 'idle', 'shutdown']),
  coverage: z.array(offsetRangeSchema),
  empty: z.array(z.strictObject({ topic: z.string().min(1), partition: z.number().int().nonnegative() })),
  /** Events of earlier windows this replica had closed already (counted, left out of drift). */
  late: z.number().int().nonnegative(),
  state: stateSchema,
});

export type PartialMessage = z.infer<typeof partialMessageSchema>;

export function encodePartial(
  partial: PartialWindow,
  fields: Pick<PartialMessage, 'model' | 'modelVersion' | 'replica' | 'closedBy' | 'empty' | 'late'>,
): Buffer {
  const message: PartialMessage = {
    version: 2,
    ...fields,
    windowStart: partial.windowStart,
    windowEnd: partial.windowEnd,
    coverage: partial.coverage,
    state: partial.state.toJSON() as WindowStateJson,
  };
  return Buffer.from(JSON.stringify(message));
}

/** The partial a record's value holds, or why it does not hold one (the record becomes a dead letter). */
export function decodePartial(value: Buffer | null): PartialMessage | string {
  if (value === null) return 'the record has no value';
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return `the value is not JSON: ${(error as Error).message}`;
  }
  const parsed = partialMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `the value is not a drift partial: ${issue.path.join('.') || '(root)'}: ${issue.message}`;
  }
  return parsed.data;
}
