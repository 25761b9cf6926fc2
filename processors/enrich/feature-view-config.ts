import { z } from 'zod';

/**
 * Numeric types only: every store feature ends up in the model's float input row, so a string
 * feature would need an encoding the model owns (the vector writer), not the store.
 * `boolean` reads `true`/`false`/`1`/`0` and becomes 1 or 0.
 */
export const featureTypeSchema = z.enum(['double', 'long', 'boolean']);
export type FeatureType = z.infer<typeof featureTypeSchema>;

const fieldSchema = z.strictObject({
  type: featureTypeSchema.default('double'),
  /** The value a missing, stale or wrongly typed field gets; defaults to the model bundle's. */
  default: z.number().optional(),
});

/** What a policy does with a feature it cannot use as stored. */
const policySchema = z.enum(['default', 'dead-letter']);

/** A feature view: how one entity's features are keyed, laid out, typed and judged (key `features.views.<name>`). */
export const featureViewSchema = z.strictObject({
  /** Redis key of an entity; `{key}` is replaced by the event's key. */
  keyTemplate: z
    .string()
    .regex(/\{key\}/, 'must contain {key}')
    .default('user:{key}'),
  /**
   * `packed`: one string value per entity read with one MGET (see packed-features.ts); the
   * faster layout (see the features benchmark), so the default. `hash`: one hash per entity, one
   * pipelined HMGET each (Feast-style), for stores other tools write.
   */
  layout: z.enum(['packed', 'hash']).default('packed'),
  /**
   * The stored fields; none (the default) means the model bundle's feature view (its manifest's
   * `featureView.fields`, with their types and defaults). Declare them here only to store more
   * fields than the model reads or to override a default. Declaration order is the packed
   * layout's order: appending a field is compatible, reordering is not.
   */
  fields: z.record(z.string().min(1), fieldSchema).default({}),
  /** Field holding when the entity was written, epoch ms. */
  timestampField: z.string().min(1).default('updated_at'),
  /** Older values count as stale; 0 turns staleness off. */
  maxAgeSeconds: z.number().nonnegative().default(0),
  /** A missing key or field: the default plus a flag in `features_missing`, or a dead letter. */
  onMissing: policySchema.default('default'),
  /** A stale value: kept and flagged in `features_stale`, replaced by the default and flagged, or a dead letter. */
  onStale: z.enum(['keep', 'default', 'dead-letter']).default('keep'),
  /** A value that does not parse as its type (e.g. "abc" in a long): default plus a flag in `features_missing`, or a dead letter. */
  onWrongType: policySchema.default('default'),
});

export type FeatureViewConfig = z.infer<typeof featureViewSchema>;
