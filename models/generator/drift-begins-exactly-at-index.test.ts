import { describe, expect, it } from 'vitest';
import { type GeneratedTransaction, TransactionGenerator } from './transaction-generator.ts';

const AT = 3000;
const AFTER = 20_000;

function stream(
  drift?: ConstructorParameters<typeof TransactionGenerator>[0]['drift'],
): GeneratedTransaction[] {
  return new TransactionGenerator({ seed: 99, users: 1000, drift }).take(AT + AFTER);
}

const RISKY = new Set(['electronics', 'jewelry', 'gaming', 'crypto_exchange']);
const riskyShare = (sample: GeneratedTransaction[]) =>
  sample.filter((t) => RISKY.has(t.event.merchant_category)).length / sample.length;

describe('drift injection starts exactly at atIndex', () => {
  const baseline = stream();

  it('amount-shift: identical before atIndex, every amount ×3 from atIndex on, nothing else changes', () => {
    const drifted = stream({ atIndex: AT, kind: 'amount-shift' });
    expect(drifted.slice(0, AT)).toEqual(baseline.slice(0, AT));
    for (let i = AT; i < AT + AFTER; i++) {
      const base = baseline[i]!.event;
      const shifted = drifted[i]!.event;
      // Both amounts are rounded to cents after scaling.
      expect(Math.abs(shifted.amount - 3 * base.amount)).toBeLessThanOrEqual(0.021);
      expect({ ...shifted, amount: 0 }).toEqual({ ...base, amount: 0 });
    }
  });

  it('amount-shift honours magnitude', () => {
    const drifted = stream({ atIndex: AT, kind: 'amount-shift', magnitude: 0.5 });
    expect(drifted[AT - 1]!.event.amount).toBe(baseline[AT - 1]!.event.amount);
    expect(drifted[AT]!.event.amount).toBeCloseTo(baseline[AT]!.event.amount / 2, 1);
  });

  it('merchant-mix: identical before atIndex; from it, risky categories dominate and an unseen one appears', () => {
    const drifted = stream({ atIndex: AT, kind: 'merchant-mix' });
    expect(drifted.slice(0, AT)).toEqual(baseline.slice(0, AT));
    const firstCrypto = drifted.findIndex((t) => t.event.merchant_category === 'crypto_exchange');
    expect(firstCrypto).toBeGreaterThanOrEqual(AT);
    expect(firstCrypto).toBeLessThan(AT + 100);
    expect(baseline.some((t) => t.event.merchant_category === 'crypto_exchange')).toBe(false);
    expect(riskyShare(baseline.slice(AT))).toBeLessThan(0.2);
    expect(riskyShare(drifted.slice(AT))).toBeGreaterThan(0.5);
  });

  it('rejects a drift that cannot be honoured', () => {
    expect(() => new TransactionGenerator({ seed: 1, drift: { atIndex: -1, kind: 'amount-shift' } })).toThrow(
      RangeError,
    );
    expect(
      () => new TransactionGenerator({ seed: 1, drift: { atIndex: 0, kind: 'merchant-mix', magnitude: 2 } }),
    ).toThrow(/magnitude/);
  });
});
