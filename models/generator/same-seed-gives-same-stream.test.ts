import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { GENERATOR_DEFAULTS, TransactionGenerator } from './transaction-generator.ts';

const streamJson = (seed: number, count: number) =>
  JSON.stringify(new TransactionGenerator({ seed }).take(count));

describe('the transaction generator is a pure function of its seed', () => {
  it('the same seed gives the same stream, byte for byte; another seed does not', () => {
    expect(streamJson(7, 5000)).toBe(streamJson(7, 5000));
    expect(streamJson(8, 200)).not.toBe(streamJson(7, 200));
  });

  it('is pinned: the committed model and feature seed were made from exactly this stream', () => {
    // Changing the generator on purpose? Regenerate the data, retrain (models/fraud/train.py) and
    // update this fingerprint in the same commit.
    const fingerprint = createHash('sha256').update(streamJson(42, 1000)).digest('hex');
    expect(fingerprint).toBe('0622620487f1f2829574a7fe2774afea91a0aa2d92aaf6a6a7e831f4fb1ea56d');
  });

  it('numbers events deterministically and advances event_time at the nominal rate', () => {
    const generator = new TransactionGenerator({ seed: 3, eventsPerSecond: 4, startTimeMs: 1_000_000 });
    const events = generator.take(9).map((t) => t.event);
    expect(events.map((e) => e.event_id)).toEqual(Array.from({ length: 9 }, (_, i) => `3-${i}`));
    expect(events.map((e) => e.event_time)).toEqual(
      [0, 0, 0, 0, 1, 1, 1, 1, 2].map((s, i) => 1_000_000 + s * 1000 + (i % 4) * 250),
    );
    expect(generator.index).toBe(9);
    expect(new TransactionGenerator({ seed: 3 }).next().event.event_time).toBe(
      GENERATOR_DEFAULTS.startTimeMs,
    );
  });

  it('produces a plausible domain: users in range, ~8 categories, mostly US, fraud rate 2–5%', () => {
    const generator = new TransactionGenerator({ seed: 11, users: 500 });
    const sample = generator.take(50_000);
    const fraudRate = sample.reduce((n, t) => n + t.label, 0) / sample.length;
    expect(fraudRate).toBeGreaterThan(0.02);
    expect(fraudRate).toBeLessThan(0.05);
    const categories = new Set(sample.map((t) => t.event.merchant_category));
    expect(categories.size).toBe(8);
    const us = sample.filter((t) => t.event.country === 'US').length / sample.length;
    expect(us).toBeGreaterThan(0.85);
    expect(new Set(sample.map((t) => t.event.channel))).toEqual(new Set(['POS', 'ONLINE', 'ATM']));
    for (const { event } of sample.slice(0, 1000)) {
      expect(event.key).toMatch(/^user-000[0-4]\d\d$/);
      expect(event.amount).toBeGreaterThan(0);
      expect(generator.userFeatures(event.key)).toBeDefined();
    }
    expect(generator.userFeatures('user-000500')).toBeUndefined();
    expect([...generator.allUserFeatures()]).toHaveLength(500);
  });

  it('a user profile depends only on (seed, user), not on how many users there are', () => {
    const small = new TransactionGenerator({ seed: 5, users: 10 });
    const large = new TransactionGenerator({ seed: 5, users: 1000 });
    expect(large.userFeatures('user-000009')).toEqual(small.userFeatures('user-000009'));
  });
});
