import { z } from 'zod';

/**
 * When a column, the dataset and the score drift (config key `drift.thresholds`; README "Drift").
 * A numeric column drifts when KS says so (Benjamini–Hochberg-adjusted p below `pValue` and D at
 * least `ksStatistic`) or PSI reaches `psiDrift`; PSI at `psiWarning` or Wasserstein/σ at
 * `wassersteinWarning` warn. A categorical column drifts when chi-square says so (adjusted p below
 * `pValue` and L∞ at least `linf`) or Jensen–Shannon reaches `jsDrift`; `jsWarning` warns.
 */
export const driftThresholdsSchema = z
  .strictObject({
    pValue: z.number().positive().max(1).default(0.01),
    ksStatistic: z.number().min(0).max(1).default(0.1),
    psiDrift: z.number().positive().default(0.25),
    psiWarning: z.number().positive().default(0.1),
    wassersteinWarning: z.number().positive().default(0.1),
    linf: z.number().min(0).max(1).default(0.1),
    jsDrift: z.number().positive().max(1).default(0.2),
    jsWarning: z.number().positive().max(1).default(0.1),
    /** The dataset drifts when at least this share of its columns (the score apart) drift. */
    datasetShare: z.number().positive().max(1).default(0.5),
    /** Columns whose drift alone makes the dataset drift. */
    critical: z.array(z.string().min(1)).default([]),
    /** A window with fewer events is reported but decides nothing. */
    minEvents: z.number().int().min(1).default(1000),
  })
  .prefault({});

export type DriftThresholds = z.infer<typeof driftThresholdsSchema>;
