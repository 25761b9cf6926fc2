import { vi } from 'vitest';

/**
 * Under vi.useFakeTimers(): whether `promise` has settled once everything already queued has run,
 * with the fake clock standing still. It answers "already done" or "still waiting" without racing
 * a real timer; advancing the clock is the test's own, explicit step.
 */
export async function settledNow(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  const done = () => {
    settled = true;
  };
  promise.then(done, done);
  // One real macrotask (fake-timers yields to it first), so every queued promise callback has run.
  await vi.advanceTimersByTimeAsync(0);
  return settled;
}
