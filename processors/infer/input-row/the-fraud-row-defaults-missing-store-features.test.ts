import { describe, expect, it } from 'vitest';
import type { TransactionEvent } from '../../../schemas/records.ts';
import { fraudBundle } from '../model-bundle.ts';

const { row, manifest, featureView } = fraudBundle();
const FRAUD_FEATURE_COUNT = row.width;
const FRAUD_FEATURES = manifest.features;
const FRAUD_STORE_FEATURES = featureView.names;
const FRAUD_FEATURE_DEFAULTS = featureView.defaults as { readonly [name: string]: number };
const UNKNOWN_MERCHANT_RISK = 0.5;
const writeFeatureVector = row.write;

const event: TransactionEvent = {
  event_id: 'e-1',
  key: 'user-000001',
  event_time: Date.UTC(2025, 0, 6, 13, 59, 59),
  amount: 250,
  merchant_category: 'electronics',
  country: 'FR',
  channel: 'ONLINE',
};

function vectorOf(e: TransactionEvent, features: Record<string, number>): Record<string, number> {
  const out = new Float32Array(FRAUD_FEATURE_COUNT + 3);
  writeFeatureVector(e, features, out, 3);
  expect(Array.from(out.subarray(0, 3))).toEqual([0, 0, 0]); // writes only its own slice
  return Object.fromEntries(FRAUD_FEATURES.map((name, i) => [name, out[3 + i]!]));
}

describe('the fraud bundle row encodes an event and fills missing store features with defaults', () => {
  it('has 12 columns, 4 of them from the store, each with a default', () => {
    expect(FRAUD_FEATURES).toHaveLength(12);
    for (const name of FRAUD_STORE_FEATURES) {
      expect(FRAUD_FEATURES).toContain(name);
      expect(Number.isFinite(FRAUD_FEATURE_DEFAULTS[name])).toBe(true);
    }
  });

  it('encodes a complete event', () => {
    const v = vectorOf(event, {
      avg_amount_30d: 50,
      txn_count_7d: 3,
      account_age_days: 10,
      days_since_last_login: 40,
    });
    expect(v).toMatchObject({
      amount: 250,
      amount_to_avg: 5,
      avg_amount_30d: 50,
      txn_count_7d: 3,
      account_age_days: 10,
      days_since_last_login: 40,
      hour_of_day: 13,
      channel_online: 1,
      channel_atm: 0,
      is_foreign: 1,
    });
    expect(v.log_amount).toBeCloseTo(Math.log1p(250), 5);
    expect(v.merchant_risk).toBeCloseTo(0.7, 6);
  });

  it('uses the defaults for absent store features and the neutral risk for an unknown category', () => {
    const v = vectorOf(
      { ...event, merchant_category: 'crypto_exchange', country: 'US', channel: 'ATM' },
      { txn_count_7d: 1 },
    );
    expect(v.avg_amount_30d).toBe(FRAUD_FEATURE_DEFAULTS.avg_amount_30d);
    expect(v.amount_to_avg).toBeCloseTo(250 / FRAUD_FEATURE_DEFAULTS.avg_amount_30d!, 5);
    expect(v.txn_count_7d).toBe(1);
    expect(v.account_age_days).toBe(FRAUD_FEATURE_DEFAULTS.account_age_days);
    expect(v.days_since_last_login).toBe(FRAUD_FEATURE_DEFAULTS.days_since_last_login);
    expect(v.merchant_risk).toBe(UNKNOWN_MERCHANT_RISK);
    expect(v).toMatchObject({ channel_online: 0, channel_atm: 1, is_foreign: 0 });
  });

  it('guards the ratio against a zero average and gives a pre-1970 time a valid hour', () => {
    const v = vectorOf({ ...event, event_time: -1 }, { avg_amount_30d: 0 });
    expect(v.amount_to_avg).toBe(250);
    expect(v.hour_of_day).toBe(23);
  });
});
