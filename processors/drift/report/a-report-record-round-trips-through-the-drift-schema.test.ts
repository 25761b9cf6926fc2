import { describe, expect, it } from 'vitest';
import { codecs, type DriftReport } from '../../../schemas/index.ts';
import { driftThresholdsSchema } from '../drift-thresholds.ts';
import { categoricalProfile, type DriftProfile, numericProfile } from '../profile/drift-profile.ts';
import { binCounts } from '../stats/quantiles.ts';
import { driftReport } from './drift-report.ts';
import { driftReportRecord } from './drift-report-record.ts';

describe('a drift report on the drift topic', () => {
  it('carries the window, coverage, every column with its metrics, thresholds and severity, the score apart, and the estimate', () => {
    const reference = Array.from({ length: 2000 }, (_, i) => (i % 100) / 10);
    const profile: DriftProfile = {
      version: 1,
      rows: 2000,
      sampleSize: 10_000,
      seed: 1,
      foldShare: 0.005,
      columns: {
        amount: numericProfile(reference, 10_000, 1),
        score: numericProfile(
          reference.map((v) => v / 10),
          10_000,
          1,
        ),
        channel: categoricalProfile(
          reference.map((v) => (v < 5 ? 'POS' : 'ONLINE')),
          0.005,
        ),
      },
    };
    const current = Float64Array.from(reference.slice(0, 1500).map((v) => v + 2)).sort();
    const scores = Float64Array.from(reference.slice(0, 1500).map((v) => v / 10)).sort();
    const thresholds = driftThresholdsSchema.parse({});
    const json = driftReport(
      profile,
      {
        amount: {
          kind: 'numeric',
          sortedValues: current,
          binCounts: binCounts((profile.columns.amount as { edges: number[] }).edges, current),
        },
        score: {
          kind: 'numeric',
          sortedValues: scores,
          binCounts: binCounts((profile.columns.score as { edges: number[] }).edges, scores),
        },
        channel: {
          kind: 'categorical',
          counts: new Map([
            ['POS', 700],
            ['ONLINE', 700],
            ['UNSEEN', 100],
          ]),
        },
      },
      thresholds,
      { count: 1500, score: 'score' },
    );
    const record = driftReportRecord(json, thresholds, {
      windowStart: 1_796_083_200_000,
      windowEnd: 1_796_083_260_000,
      modelVersion: '1',
      coverage: [{ topic: 'events', partition: 0, from_offset: 10, to_offset: 1509 }],
      partial: false,
      score: 'score',
      estimate: {
        predicted_positive_rate: 0.1,
        expected_precision: 0.7,
        expected_recall: 0.5,
        expected_prevalence: 0.14,
        reference_predicted_positive_rate: 0.1,
        reference_expected_precision: 0.72,
      },
    });
    expect(Object.keys(record.columns).sort()).toEqual(['amount', 'channel']);
    expect(record.columns.amount!.drifted).toBe(true);
    expect(record.columns.amount!.thresholds.psiDrift).toBe(0.25);
    expect(record.columns.channel!.metrics.unseen).toBe(100);
    expect(record.score?.drifted).toBe(false);
    expect(record.share_drifted).toBe(json.share_drifted);
    const decoded = codecs.driftReport.type.fromBuffer(codecs.driftReport.encode(record)) as DriftReport;
    expect(decoded).toEqual(record);
  });
});
