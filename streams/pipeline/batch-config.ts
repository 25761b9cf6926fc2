import { z } from 'zod';

/** Config of the `batch` stage (key `batch`). */
export const batchConfigSchema = z
  .strictObject({
    /** A batch closes when it holds this many events... */
    maxBatchSize: z.number().int().min(1).max(65_536).default(256),
    /** ...or when its first event has waited this long, whichever comes first. */
    maxDelayMs: z.number().nonnegative().max(60_000).default(5),
    /** Batches in enrich/infer at once; delivery stays in order regardless. */
    maxConcurrentBatches: z.number().int().min(1).max(64).default(4),
  })
  .prefault({});

export type BatchConfig = z.infer<typeof batchConfigSchema>;
