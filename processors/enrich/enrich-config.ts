import { z } from 'zod';
import { featureViewSchema } from './feature-view-config.ts';
import { redisStoreConfigSchema } from './redis-store-config.ts';

/** Config of the `enrich` stage and its store (key `features`). */
export const enrichConfigSchema = z
  .strictObject({
    /** `memory` is seeded from `seedFile`; `redis` reads `redis.url` (REDIS_URL sets both). */
    store: z.enum(['memory', 'redis']).default('memory'),
    /** JSONL of `{ "key": ..., <feature>: number, "updated_at": epochMs }`, one entity per line. */
    seedFile: z.string().min(1).default('models/fraud/user-features.jsonl'),
    /** The view the model's store features are read from. */
    view: z.string().min(1).default('user'),
    /** Feature views by name: key template, layout, typed fields, freshness and policies. */
    views: z.record(z.string().min(1), featureViewSchema).default({ user: featureViewSchema.parse({}) }),
    redis: redisStoreConfigSchema,
  })
  .superRefine((config, ctx) => {
    if (!config.views[config.view]) {
      ctx.addIssue({
        code: 'custom',
        path: ['view'],
        message: `no view "${config.view}" under features.views (have: ${Object.keys(config.views).join(', ') || 'none'})`,
      });
    }
    if (config.store === 'redis' && !config.redis.url) {
      ctx.addIssue({
        code: 'custom',
        path: ['redis', 'url'],
        message: 'store "redis" needs a URL: set REDIS_URL or features.redis.url',
      });
    }
  })
  .prefault({});

export type EnrichConfig = z.infer<typeof enrichConfigSchema>;
