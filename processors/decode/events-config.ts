import { z } from 'zod';

/** The fraud example's event schema: the contract when `events.schema` is not set. */
export const DEFAULT_EVENT_SCHEMA = 'schemas/transaction-event.avsc';

/** The fraud contract's ranges, used only with the default schema (a schema of your own declares its own). */
const FRAUD_FIELD_RULES: Record<string, EventFieldRule> = { amount: { min: 0, max: 10_000_000 } };

/** Bounds of one top-level field: `min`/`max` for numbers, `minLength`/`maxLength` for strings. */
const fieldRuleSchema = z.strictObject({
  min: z.number().optional(),
  max: z.number().optional(),
  /** Shorter strings are dead letters (SLUICE_VALIDATE_MISSING_FIELD); default 1, so an empty string is one. */
  minLength: z.number().int().nonnegative().optional(),
  /** Longer strings are dead letters; default `events.maxStringLength`. */
  maxLength: z.number().int().positive().optional(),
});

export type EventFieldRule = z.infer<typeof fieldRuleSchema>;

/**
 * The event contract (key `events`): which `.avsc` the input topic carries, which of its fields
 * are the idempotency key, the entity key (the Kafka message key) and the event time, and the
 * bounds every event must keep. Validation is generic (processors/decode/event-validator.ts).
 */
export const eventsConfigSchema = z
  .strictObject({
    /** The `.avsc` of the input events, relative to the working directory (or absolute). */
    schema: z.string().min(1).optional(),
    /** A string field: the event's id, carried to its prediction and dead letter. */
    idField: z.string().min(1).default('event_id'),
    /** A string field: the entity key. A non-null Kafka key must equal it; predictions are keyed by it. */
    keyField: z.string().min(1).default('key'),
    /** A numeric field of epoch milliseconds (long, or `timestamp-millis`). */
    timeField: z.string().min(1).default('event_time'),
    /** Events older than this (by the time field) are dead letters. */
    maxAgeDays: z.number().positive().default(3650),
    /** Events further than this in the future are dead letters. */
    maxClockSkewMs: z
      .number()
      .int()
      .nonnegative()
      .default(24 * 3600 * 1000),
    /** Every string field's longest length unless its rule says otherwise. */
    maxStringLength: z.number().int().positive().default(256),
    /** Per-field bounds, by top-level field name. Default: the fraud contract's, with the default schema only. */
    fields: z.record(z.string().min(1), fieldRuleSchema).optional(),
  })
  .prefault({})
  .transform((events) => ({
    ...events,
    schema: events.schema ?? DEFAULT_EVENT_SCHEMA,
    fields: events.fields ?? (events.schema === undefined ? FRAUD_FIELD_RULES : {}),
  }));

export type EventsConfig = z.output<typeof eventsConfigSchema>;

/** The decode keys that moved to the event contract, with their new place, for the unknown-key message. */
export const MOVED_DECODE_KEYS: Readonly<Record<string, string>> = {
  maxAmount: 'events.fields.amount.max (and .min)',
  maxStringLength: 'events.maxStringLength (or events.fields.<field>.maxLength)',
  maxEventAgeDays: 'events.maxAgeDays',
  maxClockSkewMs: 'events.maxClockSkewMs',
};
