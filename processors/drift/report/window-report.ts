import type { DriftThresholds } from '../drift-thresholds.ts';
import type { DriftProfile } from '../profile/drift-profile.ts';
import type { KsMethod } from '../stats/kolmogorov-smirnov.ts';
import { estimatePerformance } from '../stats/performance-estimate.ts';
import type { DriftColumns } from '../tap/drift-columns.ts';
import type { WindowState } from '../window/window-state.ts';
import {
  type CategoricalObservation,
  type DriftReportJson,
  driftReport,
  type NumericObservation,
} from './drift-report.ts';

/** The observations a window's state holds: each numeric column's sampled values and bin counts, each categorical column's counts. */
export function windowObservations(
  columns: DriftColumns,
  state: WindowState,
): Record<string, NumericObservation | CategoricalObservation> {
  const observations: Record<string, NumericObservation | CategoricalObservation> = {};
  columns.numericNames.forEach((name, c) => {
    observations[name] = {
      kind: 'numeric',
      sortedValues: state.sampledValues(c),
      binCounts: state.binCounts[c]!,
    };
  });
  columns.categoricalNames.forEach((name, c) => {
    observations[name] = { kind: 'categorical', counts: state.categoryCounts[c]! };
  });
  return observations;
}

/** The drift of a window's (merged) state against the profile; the score column is reported apart. */
export function windowReport(
  profile: DriftProfile,
  columns: DriftColumns,
  state: WindowState,
  thresholds: DriftThresholds,
  ksMethod: KsMethod = 'asymp',
): DriftReportJson {
  return driftReport(profile, windowObservations(columns, state), thresholds, {
    ksMethod,
    count: state.count,
    score: columns.numericNames[columns.scoreIndex],
  });
}

/**
 * The label-free performance estimate of a binary classifier in the window (from its sampled
 * scores) beside the reference's (from the profile's score sample), at the decision threshold.
 */
export function windowEstimate(
  profile: DriftProfile,
  columns: DriftColumns,
  state: WindowState,
  decisionThreshold: number,
) {
  const scoreName = columns.numericNames[columns.scoreIndex]!;
  const reference = profile.columns[scoreName];
  if (reference?.kind !== 'numeric') return undefined;
  const current = estimatePerformance(state.sampledValues(columns.scoreIndex), decisionThreshold);
  const before = estimatePerformance(reference.sample, decisionThreshold);
  return {
    ...current,
    reference_predicted_positive_rate: before.predicted_positive_rate,
    reference_expected_precision: before.expected_precision,
  };
}
