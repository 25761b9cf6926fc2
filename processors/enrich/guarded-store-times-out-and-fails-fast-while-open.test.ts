import { describe, expect, it } from 'vitest';
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
  it('times a hung lookup out, then fails fast without calling the store while the breaker is open', async () => {
    const inner = hangingStore();
    const outcomes: boolean[] = [];
    const store = new GuardedFeatureStore(inner, {
      timeoutMs: 20,
      breaker: { failureThreshold: 2, openMs: 60_000 },
      observer: { onLookup: (_seconds, ok) => outcomes.push(ok) },
    });
    for (let i = 0; i < 2; i++) {
      await expect(store.getMany(['k'])).rejects.toMatchObject({
        code: 'SLUICE_FEATURE_STORE_UNAVAILABLE',
        retriable: true,
        message: expect.stringContaining('timed out after 20 ms'),
      });
    }
    expect(store.breakerState).toBe('open');
    expect(store.breakerGauge).toBe(2);
    const started = Date.now();
    await expect(store.getMany(['k'])).rejects.toThrow(/circuit breaker open/);
    expect(Date.now() - started).toBeLessThan(10);
    expect(inner.calls).toBe(2);
    expect(outcomes).toEqual([false, false]);
  });
});
