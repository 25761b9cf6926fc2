import { describe, expect, it } from 'vitest';
import { FanOutShare } from './fan-out-share.ts';

/** A share over a fake busy clock: `busy` is what the test says the thread has done so far. */
function fakeShare(share: number) {
  const clock = { busy: 0 };
  return { clock, share: new FanOutShare(share, () => clock.busy) };
}

describe('FanOutShare', () => {
  it('allows the idle allowance in the first window, before anything was measured, and stops past it', () => {
    const { share } = fakeShare(0.1);
    expect(share.allows(1000)).toBe(true);
    share.spend(79);
    expect(share.allows(1050)).toBe(true);
    share.spend(1);
    expect(share.allows(1060)).toBe(false);
    expect(share.remainingMs()).toBe(0);
  });

  it('gives fan-out what the pipeline left idle in the last window, less 20% headroom', () => {
    const { clock, share } = fakeShare(0.1);
    share.allows(1000);
    share.spend(5);
    clock.busy = 15; // 10 ms of pipeline work and 5 of fan-out in the 100 ms window
    expect(share.allows(1100)).toBe(true);
    expect(share.allowedShare()).toBeCloseTo(0.7, 5);
    share.spend(60);
    expect(share.allows(1150)).toBe(true);
    share.spend(10);
    expect(share.allows(1160)).toBe(false);
  });

  it('falls back to the configured share while the pipeline keeps the thread busy', () => {
    const { clock, share } = fakeShare(0.1);
    share.allows(1000);
    share.spend(10);
    clock.busy = 100; // 90 ms pipeline + 10 ms fan-out
    share.allows(1100);
    expect(share.allowedShare()).toBeCloseTo(0.1, 5);
    // Fan-out took the idle time of a quiet window; then the pipeline got busy again.
    share.spend(10);
    clock.busy = 195;
    share.allows(1200);
    expect(share.allowedShare()).toBeCloseTo(0.1, 5);
  });

  it('carries time spent past the allowance into the next window', () => {
    const { clock, share } = fakeShare(0.1);
    share.allows(1000);
    share.spend(10);
    clock.busy = 100;
    share.allows(1100); // busy pipeline: 10 ms allowed
    share.spend(36); // one catch-up ran 26 ms over
    clock.busy = 200; // 64 ms pipeline + 36 fan-out: 16% idle, less headroom
    expect(share.allows(1200)).toBe(false);
    expect(share.allowedShare()).toBeCloseTo(0.16, 5);
    expect(share.remainingMs()).toBeCloseTo(-10, 5);
    clock.busy = 250; // 50 ms pipeline, no fan-out: 30 ms allowed, 10 of it owed
    expect(share.allows(1300)).toBe(true);
    expect(share.remainingMs()).toBeCloseTo(20, 5);
  });

  it('never allows more than the whole window, and a share of 1 never holds back', () => {
    const { share } = fakeShare(0.5);
    share.allows(1000);
    share.allows(1200);
    expect(share.allowedShare()).toBeLessThanOrEqual(1);
    const whole = new FanOutShare(1, () => 0);
    whole.spend(1e9);
    expect(whole.allows(5)).toBe(true);
    expect(whole.remainingMs()).toBe(Number.POSITIVE_INFINITY);
  });
});
