import { Rng } from './prng.ts';
import type { TransactionGenerator } from './transaction-generator.ts';
import type { UserFeatures } from './user-profile.ts';

/**
 * One line of models/fraud/user-features.jsonl: what the feature store is seeded with for a user.
 * A feature may be absent (the store lacks that field); `updated_at` (epoch ms) drives staleness.
 */
export type UserFeatureSeedRow = { key: string } & Partial<UserFeatures> & { updated_at: number };

/** How imperfect the seeded store is, so the missing/stale paths run in the default pipeline. */
export interface UserFeatureRowOptions {
  /** Share of users with no row at all; default 0.02. */
  missingUserRate?: number;
  /** Share of rows lacking one field; default 0.01. */
  missingFieldRate?: number;
  /** Share of rows last written 3–30 days before the stream starts; default 0.01. */
  staleRate?: number;
}

const FIELDS: readonly (keyof UserFeatures)[] = [
  'avg_amount_30d',
  'txn_count_7d',
  'account_age_days',
  'days_since_last_login',
];
/** Far from the user streams (1..users) and the event stream (0) of the same seed. */
const SEED_ROW_STREAM = 0xfffffff0;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The store rows for `generator`'s users, deterministic for its seed. Rows are fresh (written in
 * the 6 hours before the stream's start) unless drawn stale.
 */
export function buildUserFeatureRows(
  generator: TransactionGenerator,
  options: UserFeatureRowOptions = {},
): UserFeatureSeedRow[] {
  const missingUserRate = options.missingUserRate ?? 0.02;
  const missingFieldRate = options.missingFieldRate ?? 0.01;
  const staleRate = options.staleRate ?? 0.01;
  const rng = new Rng(generator.seed, SEED_ROW_STREAM);
  const rows: UserFeatureSeedRow[] = [];
  for (const [userId, features] of generator.allUserFeatures()) {
    // Draw every decision for every user, so one rate does not shift the others' choices.
    const noRow = rng.chance(missingUserRate);
    const dropField = rng.chance(missingFieldRate) ? FIELDS[rng.int(FIELDS.length)] : undefined;
    const stale = rng.chance(staleRate);
    const ageMs = stale ? rng.uniform(3 * DAY_MS, 30 * DAY_MS) : rng.uniform(0, 6 * HOUR_MS);
    if (noRow) continue;
    const present: Partial<UserFeatures> = {};
    for (const field of FIELDS) if (field !== dropField) present[field] = features[field];
    rows.push({ key: userId, ...present, updated_at: generator.startTimeMs - Math.round(ageMs) });
  }
  return rows;
}

/** The row's features as the enrich stage would hand them to `writeFeatureVector`. */
export function seedRowValues(row: UserFeatureSeedRow): Record<string, number> {
  const values: Record<string, number> = {};
  for (const field of FIELDS) {
    const value = row[field];
    if (value !== undefined) values[field] = value;
  }
  return values;
}
