import { z } from 'zod';

/** Config of the `batch` stage (key `batch`). */
export const batchConfigSchema = z
  .strictObject({
    /** A batch closes when it holds this many events... */
    maxBatchSize: z.number().int().min(1).max(65_536).default(512),
    /** ...or when its first event has waited this long, whichever comes first. */
    maxDelayMs: z.number().nonnegative().max(60_000).default(5),
    /** Batches in enrich/infer at once; delivery stays in order regardless. */
    maxConcurrentBatches: z.number().int().min(1).max(64).default(4),
    /**
     * A p99 from ingest to the ack, in ms. When set, a controller sizes the batch (between
     * `minBatchSize` and `maxBatchSize`), the in-flight bound (at most `consumer.maxInFlight`) and
     * the concurrent batches (at most `maxConcurrentBatches`) to it every `controlIntervalMs`
     * (streams/pipeline/latency-budget-controller.ts). Unset: the fixed limits above.
     */
    latencyBudgetMs: z.number().positive().max(60_000).optional(),
    minBatchSize: z.number().int().min(1).max(65_536).default(16),
    controlIntervalMs: z.number().int().min(50).max(60_000).default(500),
  })
  .refine((b) => b.minBatchSize <= b.maxBatchSize, {
    message: 'batch.minBatchSize must not be above batch.maxBatchSize',
    path: ['minBatchSize'],
  })
  .prefault({});

export type BatchConfig = z.infer<typeof batchConfigSchema>;
