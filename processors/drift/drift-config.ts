import { z } from 'zod';
import { driftThresholdsSchema } from './drift-thresholds.ts';

/**
 * Config key `drift` (README "Drift"). Drift is watched when the model bundle has a profile
 * (manifest `drift`) and `enabled` is not false.
 */
export const driftConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Tumbling event-time windows of this length, aligned to multiples of it, so every replica cuts the same ones. */
    windowMs: z.number().int().min(1000).max(86_400_000).default(60_000),
    /**
     * Sliding windows: a report every `slideMs` of the `windowMs` ending then (the replicas' taps
     * cut panes of `slideMs`, the aggregator combines them). Unset, windows tumble. Must divide
     * `windowMs`, in at most 60 panes.
     */
    slideMs: z.number().int().min(1000).max(86_400_000).optional(),
    /** How long past a window's end (by the largest event time seen) its late events still count. */
    graceMs: z.number().int().min(0).max(3_600_000).default(5000),
    /** A window with no new event for this long (wall clock) closes anyway: idle partitions do not hold it open. */
    idleCloseMs: z.number().int().min(100).max(3_600_000).default(10_000),
    /**
     * Events sampled per window for KS and Wasserstein (bottom-k by a hash of the event id, so the
     * replicas' samples merge into exactly one process's). A partial carries the sample, so
     * k × (columns + 1) numbers must stay under the producer's record limit.
     */
    sampleSize: z.number().int().min(10).max(5000).default(1000),
    /**
     * The KS p-value of a window: `asymp` (default: the window's sample against the profile's is
     * up to k × 10,000 pairs, and the exact distribution costs O(n·m) per column), `exact`, or
     * `auto` (exact when both samples have at most 10,000 values, as scipy's ks_2samp).
     */
    ksMethod: z.enum(['exact', 'asymp', 'auto']).default('asymp'),
    aggregator: z
      .strictObject({
        /** Run the aggregator topology in this process (one per deployment is enough; more stand by). */
        enabled: z.boolean().default(true),
        /** A window still missing a partition this long after its first partial is reported, marked partial. */
        timeoutMs: z.number().int().min(100).max(86_400_000).default(120_000),
      })
      .prefault({}),
    /** The Page–Hinkley detector on the score, per replica (alerts of kind `fast-shift`). */
    fastShift: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** Mean shifts below deltaSigma × the reference score std are tolerated. */
        deltaSigma: z.number().positive().default(0.25),
        /** An alarm when the cumulative deviation passes lambdaSigma × the reference score std. */
        lambdaSigma: z.number().positive().default(40),
      })
      .prefault({}),
    thresholds: driftThresholdsSchema,
  })
  .superRefine((drift, context) => {
    const { windowMs, slideMs } = drift;
    if (slideMs === undefined) return;
    if (windowMs % slideMs !== 0 || windowMs / slideMs > 60)
      context.addIssue({
        code: 'custom',
        path: ['slideMs'],
        message: `must divide windowMs (${windowMs}) into at most 60 panes; got ${slideMs}`,
      });
  })
  .prefault({});

export type DriftConfig = z.infer<typeof driftConfigSchema>;
