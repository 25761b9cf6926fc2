import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { settledNow } from '../tests/support/settled-now.ts';
import { InFlightGate } from './inflight-gate.ts';

// A shutdown's drain budget is this timeout (ConsumerLoop.close). On the fake clock "gives up at the
// budget, not later" is exact, where an integration test could only bound wall time.
describe('InFlightGate.waitForDrain', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers false once its timeout has passed with records still in flight', async () => {
    const gate = new InFlightGate(100, 0.5);
    gate.acquire(10);
    const drained = gate.waitForDrain(500, 0);
    await vi.advanceTimersByTimeAsync(499);
    expect(await settledNow(drained)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(drained)).toBe(true);
    expect(await drained).toBe(false);
  });

  it('answers true as soon as the last record is released, before the timeout', async () => {
    const gate = new InFlightGate(100, 0.5);
    gate.acquire(10);
    const drained = gate.waitForDrain(500, 0);
    gate.release(9);
    expect(await settledNow(drained)).toBe(false);
    gate.release(1);
    expect(await settledNow(drained)).toBe(true);
    expect(await drained).toBe(true);
  });
});
