import { describe, expect, it } from 'vitest';
import { Rng } from '../../../models/generator/index.ts';
import { estimatePerformance } from './performance-estimate.ts';

describe('the label-free performance estimate', () => {
  it('equals, for calibrated scores, the precision and recall the labels later show', () => {
    const rng = new Rng(4);
    const scores: number[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 200_000; i++) {
      const s = rng.next() ** 3; // mostly low scores, a long tail of high ones
      scores.push(s);
      labels.push(rng.next() < s ? 1 : 0); // calibrated: P(label = 1 | s) = s
    }
    const threshold = 0.5;
    const estimate = estimatePerformance(scores, threshold);
    let tp = 0;
    let flagged = 0;
    let positives = 0;
    scores.forEach((s, i) => {
      positives += labels[i]!;
      if (s >= threshold) {
        flagged++;
        tp += labels[i]!;
      }
    });
    expect(estimate.predicted_positive_rate).toBeCloseTo(flagged / scores.length, 12);
    expect(Math.abs(estimate.expected_precision - tp / flagged)).toBeLessThan(0.01);
    expect(Math.abs(estimate.expected_recall - tp / positives)).toBeLessThan(0.01);
    expect(Math.abs(estimate.expected_prevalence - positives / scores.length)).toBeLessThan(0.005);
  });

  it('is undefined (NaN), not zero, where nothing was flagged or nothing scored', () => {
    expect(estimatePerformance([0.1, 0.2], 0.5).expected_precision).toBeNaN();
    expect(estimatePerformance([], 0.5).predicted_positive_rate).toBeNaN();
  });
});
