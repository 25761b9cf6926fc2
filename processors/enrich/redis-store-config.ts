import { z } from 'zod';

/** The Redis feature store's connection and failure handling (key `features.redis`). */
export const redisStoreConfigSchema = z
  .strictObject({
    /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS; set by REDIS_URL. */
    url: z
      .string()
      .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
      .optional(),
    /** PEM file of the CA(s) to trust for `rediss://` (a private CA); default: the system's CAs. */
    caFile: z.string().min(1).optional(),
    connectTimeoutMs: z.number().int().positive().default(2000),
    /** A lookup slower than this fails (and counts against the breaker). */
    commandTimeoutMs: z.number().int().positive().default(250),
    /**
     * What enrichment does while Redis fails or the breaker is open. `fail-open`: every feature
     * of the batch gets its default and is listed in `features_missing`. `hold`: the batch waits
     * and retries until Redis answers; records stay unacked, so consumption pauses at
     * `consumer.maxInFlight` and resumes when Redis is back.
     */
    failure: z.enum(['fail-open', 'hold']).default('fail-open'),
    /** Under `hold`, the delay between attempts while the breaker is open. */
    holdRetryMs: z.number().int().positive().default(200),
    breaker: z
      .strictObject({
        /** Consecutive failed lookups that open the breaker. */
        failureThreshold: z.number().int().min(1).default(3),
        /** How long it stays open before one trial lookup (half-open). */
        openMs: z.number().int().positive().default(1000),
      })
      .prefault({}),
    /** In-process LRU cache of looked-up rows; off by default (it serves values up to `ttlMs` old). */
    cache: z
      .strictObject({
        enabled: z.boolean().default(false),
        maxEntries: z.number().int().min(1).default(100_000),
        ttlMs: z.number().int().positive().default(1000),
      })
      .prefault({}),
  })
  .prefault({});

export type RedisStoreConfig = z.infer<typeof redisStoreConfigSchema>;
