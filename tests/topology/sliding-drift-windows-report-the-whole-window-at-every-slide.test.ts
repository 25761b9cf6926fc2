import { describe, expect, it } from 'vitest';
import { replayDrift } from '../../loadtest/drift-replay.ts';
import { scoredFraudBatches } from '../../loadtest/scored-fraud-stream.ts';

const RATE = 500;
const START = Date.UTC(2025, 0, 6, 12);

describe('sliding drift windows through the real tap and aggregator', () => {
  it('report, every drift.slideMs, the drift.windowMs ending then, with every event of it counted', async () => {
    const result = await replayDrift(
      scoredFraudBatches({ seed: 5, events: 150 * RATE, eventsPerSecond: RATE, startTimeMs: START }),
      { drift: { windowMs: 60_000, slideMs: 20_000 } },
    );
    const reports = result.reports;
    // 150 s of events: panes end at 20 s, 40 s, … 140 s, and the last (to 160 s) closes at shutdown.
    expect(reports.map((r) => r.window_end - START)).toEqual(
      [20, 40, 60, 80, 100, 120, 140, 160].map((s) => s * 1000),
    );
    for (const report of reports) expect(report.window_end - report.window_start).toBe(60_000);
    // The first two windows start before the stream did; the whole ones hold 60 s of events.
    expect(reports.map((r) => r.partial)).toEqual([true, true, false, false, false, false, false, false]);
    expect(reports.slice(2, -1).map((r) => r.count)).toEqual([1, 2, 3, 4, 5].map(() => 60 * RATE));
    expect(reports.at(-1)!.count).toBe(50 * RATE);
    expect(reports.some((r) => r.drifted)).toBe(false);
  }, 60_000);
});
