import { z } from 'zod';

/**
 * `sinks.redis`: the latest prediction per key as a Redis hash with a TTL, and optionally every
 * prediction appended to a capped Redis Stream. Off by default; `REDIS_URL` sets the url.
 */
export const redisSinkConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(false),
    /** `redis://` or `rediss://` (TLS), with an optional ACL user and password: `redis://user:pass@host:6379/0`. */
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .default('redis://127.0.0.1:6379'),
    /** PEM CA bundle trusted for a `rediss://` url whose certificate comes from a private CA; system CAs otherwise. */
    caFile: z.string().min(1).optional(),
    /** The hash key of each prediction; `{key}` is replaced by the prediction's key. */
    keyTemplate: z.string().includes('{key}', { message: 'must contain {key}' }).default('prediction:{key}'),
    /** Each hash expires this long after its latest write. */
    ttlSeconds: z.number().int().min(1).default(86_400),
    /** A batch's write fails (and is retried) when Redis has not confirmed it within this time. */
    timeoutMs: z.number().int().min(10).max(60_000).default(5000),
    stream: z
      .strictObject({
        enabled: z.boolean().default(false),
        name: z.string().min(1).default('predictions'),
        /** Approximate cap on the stream's length (`XADD MAXLEN ~`): Redis trims whole nodes, so it may run a little over. */
        maxLen: z.number().int().min(1).default(100_000),
      })
      .prefault({}),
  })
  .prefault({});

export type RedisSinkConfig = z.infer<typeof redisSinkConfigSchema>;
