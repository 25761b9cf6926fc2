import type { TransactionEvent } from '../../schemas/records.ts';

/**
 * The fraud model's input row as it was hand-written before rows became bundle data
 * (models/fraud/input-row.json). Kept as the reference the declared row is checked against bit for
 * bit, and that the row bench compares its cost with; nothing serves or trains with it.
 */
export const FRAUD_FEATURES = [
  'amount',
  'log_amount',
  'amount_to_avg',
  'avg_amount_30d',
  'txn_count_7d',
  'account_age_days',
  'days_since_last_login',
  'hour_of_day',
  'channel_online',
  'channel_atm',
  'merchant_risk',
  'is_foreign',
] as const;

/** A column of the fraud model's input row, in `FRAUD_FEATURES` order. */
export type FraudFeatureName = (typeof FRAUD_FEATURES)[number];

/** Columns per row; the stride of a batch buffer. */
export const FRAUD_FEATURE_COUNT = FRAUD_FEATURES.length;

/** The per-user features the enrich stage must fetch from the store (Redis) for one event. */
export const FRAUD_STORE_FEATURES = [
  'avg_amount_30d',
  'txn_count_7d',
  'account_age_days',
  'days_since_last_login',
] as const;

/** A feature the store supplies per user (the enrich stage reads these keys). */
export type FraudStoreFeatureName = (typeof FRAUD_STORE_FEATURES)[number];

/**
 * Values used when the store has no value for a user's feature (unknown user, or a missing
 * field). They are roughly the population medians of the example domain, so a defaulted row looks
 * like an ordinary customer rather than an extreme one. The training data uses the same defaults
 * for the same missing rows, so the model has seen them.
 */
export const FRAUD_FEATURE_DEFAULTS: Readonly<Record<FraudStoreFeatureName, number>> = Object.freeze({
  avg_amount_30d: 60,
  txn_count_7d: 8,
  account_age_days: 600,
  days_since_last_login: 2,
});

/** Risk encoding per merchant category; a category the model never saw gets the neutral value. */
export const MERCHANT_RISK: ReadonlyMap<string, number> = new Map([
  ['grocery', 0.1],
  ['restaurants', 0.15],
  ['fuel', 0.2],
  ['online_services', 0.35],
  ['travel', 0.45],
  ['gaming', 0.6],
  ['electronics', 0.7],
  ['jewelry', 0.8],
]);

/** `merchant_risk` of a category missing from `MERCHANT_RISK`. */
export const UNKNOWN_MERCHANT_RISK = 0.5;

const HOME_COUNTRY = 'US';
const MS_PER_HOUR = 3_600_000;
const MS_PER_DAY = 86_400_000;

/**
 * Writes one model input row for `event` into `out[offset .. offset + FRAUD_FEATURE_COUNT)`.
 * `features` holds the store features of the event's user; an absent key takes its value from
 * `FRAUD_FEATURE_DEFAULTS` (the caller records which ones were missing). Allocation-free: the batch
 * stage calls it once per event on the hot path.
 */
export function writeFeatureVector(
  event: TransactionEvent,
  features: Readonly<Record<string, number>>,
  out: Float32Array,
  offset: number,
): void {
  const amount = event.amount;
  const avgAmount = features.avg_amount_30d ?? FRAUD_FEATURE_DEFAULTS.avg_amount_30d;
  // Modulo twice: event_time before 1970 would otherwise give a negative hour.
  const hour = Math.floor((((event.event_time % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY) / MS_PER_HOUR);

  out[offset] = amount;
  out[offset + 1] = Math.log1p(amount);
  // max(.., 1): a user whose average is ~0 would otherwise make every purchase look infinite.
  out[offset + 2] = amount / Math.max(avgAmount, 1);
  out[offset + 3] = avgAmount;
  out[offset + 4] = features.txn_count_7d ?? FRAUD_FEATURE_DEFAULTS.txn_count_7d;
  out[offset + 5] = features.account_age_days ?? FRAUD_FEATURE_DEFAULTS.account_age_days;
  out[offset + 6] = features.days_since_last_login ?? FRAUD_FEATURE_DEFAULTS.days_since_last_login;
  out[offset + 7] = hour;
  out[offset + 8] = event.channel === 'ONLINE' ? 1 : 0;
  out[offset + 9] = event.channel === 'ATM' ? 1 : 0;
  out[offset + 10] = MERCHANT_RISK.get(event.merchant_category) ?? UNKNOWN_MERCHANT_RISK;
  out[offset + 11] = event.country === HOME_COUNTRY ? 0 : 1;
}

/** The fraud row as the topology's FeatureVector port (processors/infer/scorer.ts): its width and writer. */
export const fraudFeatureVector = Object.freeze({ width: FRAUD_FEATURE_COUNT, write: writeFeatureVector });

/** The store features the fraud row needs and their defaults, as the enrich stage's FeatureViewSpec. */
export const fraudFeatureView = Object.freeze({
  names: FRAUD_STORE_FEATURES,
  defaults: FRAUD_FEATURE_DEFAULTS,
});
