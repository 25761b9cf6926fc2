import { Rng } from './prng.ts';

/** The hidden truth about one synthetic card holder; the generator draws events and labels from it. */
export interface UserProfile {
  userId: string;
  index: number;
  /** Mean and spread of ln(amount) before the merchant category's scale. */
  amountLogMean: number;
  amountLogSd: number;
  /** Relative chance of being the user of the next event. */
  activity: number;
  onlineRate: number;
  foreignRate: number;
  /** The user's online features, exactly as the feature store serves them. */
  features: UserFeatures;
}

/** The per-user store features of the example domain (the names match FRAUD_STORE_FEATURES). */
export interface UserFeatures {
  avg_amount_30d: number;
  txn_count_7d: number;
  account_age_days: number;
  days_since_last_login: number;
}

/** `user-000123`: six digits keep keys sortable; wider ids simply grow. */
export function userIdOf(index: number): string {
  return `user-${String(index).padStart(6, '0')}`;
}

/** Parses `userIdOf`'s format back; undefined for anything else. */
export function userIndexOf(userId: string): number | undefined {
  const match = /^user-(\d{6,})$/.exec(userId);
  return match ? Number(match[1]) : undefined;
}

/** Streams 1..n of a seed are users; stream 0 is the event stream. */
const USER_STREAM_OFFSET = 1;

/**
 * Draws user `index`'s profile. Each user has its own PRNG stream, so a profile depends only on
 * (seed, index): the feature seed file and a generator with more users agree on every user.
 * `meanCategoryScale` is the average amount multiplier of the merchant mix, so that
 * avg_amount_30d is close to what the user actually spends.
 */
export function createUserProfile(seed: number, index: number, meanCategoryScale: number): UserProfile {
  const rng = new Rng(seed, index + USER_STREAM_OFFSET);
  const amountLogMean = Math.log(40) + 0.7 * rng.normal();
  const amountLogSd = 0.45 + 0.3 * rng.next();
  const activity = Math.exp(0.8 * rng.normal());
  const onlineRate = 0.15 + 0.45 * rng.next();
  const foreignRate = rng.chance(0.1) ? 0.12 + 0.1 * rng.next() : 0.01 + 0.03 * rng.next();

  // Mean of the log-normal, times the category mix, with noise: the 30-day average is an estimate.
  const expectedAmount = Math.exp(amountLogMean + (amountLogSd * amountLogSd) / 2) * meanCategoryScale;
  const avgAmount30d = Math.round(expectedAmount * (1 + 0.1 * rng.normal()) * 100) / 100;
  const txnCount7d = Math.max(0, Math.round(activity * 8 * (0.7 + 0.6 * rng.next())));
  // A minority of brand-new accounts: new accounts are a classic fraud signal.
  const accountAgeDays = rng.chance(0.08)
    ? Math.floor(rng.uniform(0, 30))
    : Math.floor(30 + rng.exponential(900) + rng.uniform(0, 60));
  const daysSinceLastLogin = rng.chance(0.05)
    ? Math.floor(rng.uniform(30, 365))
    : Math.floor(rng.exponential(3));

  return {
    userId: userIdOf(index),
    index,
    amountLogMean,
    amountLogSd,
    activity,
    onlineRate,
    foreignRate,
    features: {
      avg_amount_30d: Math.max(1, avgAmount30d),
      txn_count_7d: txnCount7d,
      account_age_days: Math.min(accountAgeDays, 7300),
      days_since_last_login: daysSinceLastLogin,
    },
  };
}
