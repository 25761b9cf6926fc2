/**
 * A label-free estimate of a binary classifier's performance at its decision threshold, from its
 * scores alone (NannyML's CBPE idea): when scores are calibrated, P(label = 1 | score s) = s, so
 * the expected number of true positives among the events scored at or above the threshold t is the
 * sum of their scores. It assumes calibration; the training script measures how far from
 * calibrated the model is on held-out data (expected calibration error) and the bundle records it.
 */
export interface PerformanceEstimate {
  /** Share of events at or above the threshold (what the model flags). */
  predicted_positive_rate: number;
  /** Mean score of the flagged events: E[precision] = Σ_{s≥t} s / #{s ≥ t}. */
  expected_precision: number;
  /** Σ_{s≥t} s / Σ s: the expected share of the true positives that are flagged. */
  expected_recall: number;
  /** Mean score: the expected positive rate in truth. */
  expected_prevalence: number;
}

export function estimatePerformance(scores: ArrayLike<number>, threshold: number): PerformanceEstimate {
  let n = 0;
  let flagged = 0;
  let flaggedSum = 0;
  let sum = 0;
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i]!;
    if (!Number.isFinite(s)) continue;
    n++;
    sum += s;
    if (s >= threshold) {
      flagged++;
      flaggedSum += s;
    }
  }
  return {
    predicted_positive_rate: n > 0 ? flagged / n : Number.NaN,
    expected_precision: flagged > 0 ? flaggedSum / flagged : Number.NaN,
    expected_recall: sum > 0 ? flaggedSum / sum : Number.NaN,
    expected_prevalence: n > 0 ? sum / n : Number.NaN,
  };
}
