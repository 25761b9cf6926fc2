import { z } from 'zod';

/** Config of the `enrich` stage and its store (key `features`). */
export const enrichConfigSchema = z
  .strictObject({
    /** `memory` is seeded from `seedFile`; `redis` arrives with the Redis issue. */
    store: z.enum(['memory']).default('memory'),
    /** JSONL of `{ "key": ..., <feature>: number, "updated_at": epochMs }`, one entity per line. */
    seedFile: z.string().min(1).default('models/fraud/user-features.jsonl'),
    /** What a missing key or field becomes: the default plus a flag, or a dead letter (stage enrich). */
    onMissing: z.enum(['default', 'dead-letter']).default('default'),
    /** What a value older than `maxAgeSeconds` becomes; 0 disables staleness. */
    onStale: z.enum(['default', 'dead-letter', 'keep']).default('keep'),
    maxAgeSeconds: z.number().nonnegative().default(0),
    /** Overrides of the model manifest's per-feature defaults. */
    defaults: z.record(z.string(), z.number()).default({}),
  })
  .prefault({});

export type EnrichConfig = z.infer<typeof enrichConfigSchema>;
