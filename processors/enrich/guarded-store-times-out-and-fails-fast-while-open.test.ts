import { afterEach, describe, expect, it, vi } from 'vitest';
import { settledNow } from '../../tests/support/settled-now.ts';
import type { FeatureStore } from './feature-store.ts';
import { GuardedFeatureStore } from './guarded-feature-store.ts';

/** A store whose lookups never answer, like a Redis that stopped responding. */
function hangingStore(): FeatureStore & { calls: number } {
  return {
    kind: 'hanging',
    calls: 0,
    getMany() {
      this.calls++;
      return new Promise(() => {});
    },
    close: async () => {},
  };
}

describe('the guarded store', () => {
  // Only the timers the guard arms are fake: the clock it times out on moves only when the test says.
  afterEach(() => {
    vi.useRealTimers();
  });

  it('times a hung lookup out, then fails fast without calling the store while the breaker is open', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const inner = hangingStore();
    const outcomes: boolean[] = [];
    const store = new GuardedFeatureStore(inner, {
      timeoutMs: 20,
      breaker: { failureThreshold: 2, openMs: 60_000 },
      observer: { onLookup: (_seconds, ok) => outcomes.push(ok) },
    });
    for (let i = 0; i < 2; i++) {
      const lookup = store.getMany(['k']);
      const timedOut = expect(lookup).rejects.toMatchObject({
        code: 'SLUICE_FEATURE_STORE_UNAVAILABLE',
        retriable: true,
        message: expect.stringContaining('timed out after 20 ms'),
      });
      await vi.advanceTimersByTimeAsync(19);
      expect(await settledNow(lookup)).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await timedOut;
    }
    expect(store.breakerState).toBe('open');
    expect(store.breakerGauge).toBe(2);
    expect(vi.getTimerCount()).toBe(0);

    // Fast: refused with no clock time passing and no timeout armed, and the store is not asked.
    const refused = store.getMany(['k']);
    expect(vi.getTimerCount()).toBe(0);
    expect(await settledNow(refused)).toBe(true);
    await expect(refused).rejects.toThrow(/circuit breaker open/);
    expect(inner.calls).toBe(2);
    expect(outcomes).toEqual([false, false]);
  });
});
