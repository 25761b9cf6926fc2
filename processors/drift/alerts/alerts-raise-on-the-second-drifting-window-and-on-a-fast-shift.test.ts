import { describe, expect, it } from 'vitest';
import { Rng } from '../../../models/generator/index.ts';
import { DriftAlertHysteresis } from './drift-alert-hysteresis.ts';
import { PageHinkley } from './page-hinkley.ts';

describe('the drift alert', () => {
  it('is raised at the close of the second consecutive drifting window and cleared after two clean ones', () => {
    const alert = new DriftAlertHysteresis();
    const verdicts = [false, true, false, true, true, true, undefined, false, true, false, false, true];
    const transitions = verdicts.map((v) => alert.onWindow(v));
    expect(transitions).toEqual([
      undefined, // clean
      undefined, // one drifting window is not enough
      undefined, // ...and a clean one resets the streak
      undefined,
      'raised', // the second in a row
      undefined,
      undefined, // an undecided window changes nothing
      undefined, // one clean window does not clear it
      undefined,
      undefined,
      'cleared', // two clean in a row
      undefined,
    ]);
    expect(alert.active).toBe(false);
  });
});

function gaussian(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
}

describe('the Page-Hinkley fast-shift detector', () => {
  it('stays silent on 1,000,000 stationary scores', () => {
    const rng = new Rng(1);
    const detector = new PageHinkley({ referenceStd: 1 });
    let alarms = 0;
    for (let i = 0; i < 1_000_000; i++) if (detector.add(3 + gaussian(rng))) alarms++;
    expect(alarms).toBe(0);
  });

  it('catches a mean shift of half a reference std within a few hundred events, in either direction', () => {
    for (const [shift, direction] of [
      [0.5, 'increase'],
      [-0.5, 'decrease'],
    ] as const) {
      const rng = new Rng(2);
      const detector = new PageHinkley({ referenceStd: 2 });
      for (let i = 0; i < 50_000; i++) expect(detector.add(gaussian(rng) * 2)).toBeUndefined();
      let at = -1;
      for (let i = 0; i < 5_000 && at < 0; i++)
        if (detector.add(gaussian(rng) * 2 + shift * 2) === direction) at = i;
      expect(at).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThan(1000);
    }
  });
});
