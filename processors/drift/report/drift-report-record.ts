import type {
  ColumnDrift,
  DriftReport,
  PartitionCoverage,
  PerformanceEstimateRecord,
} from '../../../schemas/index.ts';
import type { DriftThresholds } from '../drift-thresholds.ts';
import type { CategoricalColumnReport, DriftReportJson, NumericColumnReport } from './drift-report.ts';

/** What a report record adds to the report itself: its window, what it covered, and who scored it. */
export interface ReportContext {
  windowStart: number;
  windowEnd: number;
  modelVersion: string;
  coverage: readonly PartitionCoverage[];
  partial: boolean;
  /** The column that is the model's score, reported apart. */
  score?: string | undefined;
  estimate?: PerformanceEstimateRecord | undefined;
}

function numericColumn(c: NumericColumnReport, t: DriftThresholds): ColumnDrift {
  return {
    kind: 'numeric',
    count: c.count,
    metrics: {
      ks_statistic: c.ks_statistic,
      ks_pvalue: c.ks_pvalue,
      ks_pvalue_adjusted: c.ks_pvalue_adjusted,
      psi: c.psi,
      wasserstein_normed: c.wasserstein_normed,
      js_distance: c.js_distance,
    },
    ks_method: c.ks_method,
    thresholds: {
      pValue: t.pValue,
      ksStatistic: t.ksStatistic,
      psiDrift: t.psiDrift,
      psiWarning: t.psiWarning,
      wassersteinWarning: t.wassersteinWarning,
    },
    drifted: c.drifted,
    severity: c.severity,
  };
}

function categoricalColumn(c: CategoricalColumnReport, t: DriftThresholds): ColumnDrift {
  return {
    kind: 'categorical',
    count: c.count,
    metrics: {
      chi2_statistic: c.chi2_statistic,
      chi2_pvalue: c.chi2_pvalue,
      chi2_pvalue_adjusted: c.chi2_pvalue_adjusted,
      linf: c.linf,
      js_distance: c.js_distance,
      unseen: c.unseen,
    },
    ks_method: null,
    thresholds: { pValue: t.pValue, linf: t.linf, jsDrift: t.jsDrift, jsWarning: t.jsWarning },
    drifted: c.drifted,
    severity: c.severity,
  };
}

/** The drift report as the `drift` topic carries it (schemas/drift-report.avsc), with the names of the JSON report. */
export function driftReportRecord(
  report: DriftReportJson,
  thresholds: DriftThresholds,
  context: ReportContext,
): DriftReport {
  const columns: Record<string, ColumnDrift> = {};
  let score: ColumnDrift | null = null;
  for (const [name, c] of Object.entries(report.columns)) {
    const record = c.kind === 'numeric' ? numericColumn(c, thresholds) : categoricalColumn(c, thresholds);
    if (name === context.score) score = record;
    else columns[name] = record;
  }
  return {
    window_start: context.windowStart,
    window_end: context.windowEnd,
    count: report.count,
    model_version: context.modelVersion,
    decided: report.decided,
    partial: context.partial,
    coverage: [...context.coverage],
    columns,
    score,
    share_drifted: report.share_drifted,
    drifted: report.drifted,
    estimate: context.estimate ?? null,
  };
}
