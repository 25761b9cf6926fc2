import { describe, expect, it } from 'vitest';
import { replayDrift } from '../../loadtest/drift-replay.ts';
import { scoredFraudBatches } from '../../loadtest/scored-fraud-stream.ts';
import type { DriftInjection } from '../../models/generator/index.ts';
import { fraudBundle } from '../../processors/infer/index.ts';

// The built-in generator's default rate (config generator.ratePerSecond) and the default 60 s
// windows: 30,000 events a window. The stream starts at noon UTC: the reference mixes every hour,
// and the fraud rate (so the score) is higher between 00:00 and 06:00 (README "Drift").
const RATE = 500;
const WINDOW_MS = 60_000;
const START = Date.UTC(2025, 0, 6, 12);
const PER_WINDOW = (RATE * WINDOW_MS) / 1000;

function stream(events: number, drift?: DriftInjection) {
  return scoredFraudBatches({ seed: 42, events, eventsPerSecond: RATE, startTimeMs: START, drift });
}

describe('drift alerts on the generator, through the real tap and aggregator', () => {
  it('raise nothing of any kind over 1,000,000 stationary events at the default windows', async () => {
    const result = await replayDrift(stream(1_000_000));
    expect(result.events).toBe(1_000_000);
    // 33 full windows and the last one, closed at shutdown.
    expect(result.reports.length).toBe(34);
    expect(result.reports.slice(0, -1).every((r) => r.count === PER_WINDOW && r.decided && !r.partial)).toBe(
      true,
    );
    expect(result.reports.some((r) => r.drifted)).toBe(false);
    expect(result.alerts).toEqual([]);
  }, 120_000);

  const injectAt = 5 * PER_WINDOW; // the first event of the sixth window
  const firstDriftedWindow = START + 5 * WINDOW_MS;
  const amountStd = (() => {
    const column = fraudBundle().drift!.profile.columns.amount!;
    if (column.kind !== 'numeric') throw new Error('amount is numeric in the profile');
    return column.std;
  })();

  for (const [name, injection] of [
    [
      'amounts shifted by half a reference std',
      { atIndex: injectAt, kind: 'amount-offset', magnitude: amountStd / 2 },
    ],
    ['a new merchant mix', { atIndex: injectAt, kind: 'merchant-mix' }],
  ] as const) {
    it(`raise the drift alert by the close of the second full window after ${name}`, async () => {
      const result = await replayDrift(stream(9 * PER_WINDOW, injection));
      const raised = result.alerts.filter((a) => a.kind === 'drift' && a.state === 'raised');
      expect(raised).toHaveLength(1);
      expect(raised[0]!.windowStart).toBeLessThanOrEqual(firstDriftedWindow + WINDOW_MS);
      expect(result.reports.filter((r) => r.window_start < firstDriftedWindow).some((r) => r.drifted)).toBe(
        false,
      );
      // The score moves too: judged on its own, and the fast detector sees it first.
      expect(result.alerts.some((a) => a.kind === 'score-drift' && a.state === 'raised')).toBe(true);
      const fast = result.alerts.filter((a) => a.kind === 'fast-shift');
      expect(fast.length).toBeGreaterThan(0);
      expect(fast.every((a) => a.windowStart >= firstDriftedWindow)).toBe(true);
    }, 60_000);
  }
});
