import type { Channel, TransactionEvent } from '../../schemas/records.ts';
import { FOREIGN_COUNTRIES, MERCHANT_CATEGORIES, meanAmountScale, mixWeights } from './merchant-mix.ts';
import { cumulativeWeights, Rng } from './prng.ts';
import { createUserProfile, type UserFeatures, type UserProfile, userIndexOf } from './user-profile.ts';

/**
 * A change of the stream from event `atIndex` on (inclusive), so drift tests know exactly when it
 * begins. `amount-shift` multiplies every amount by `magnitude` (default 3); `amount-offset` adds
 * `magnitude` to every amount (the drift calibration shifts by half the reference std). `merchant-mix` moves
 * the category mix towards the risky one (electronics, jewelry, gaming, and crypto_exchange, a
 * category the model never saw); `magnitude` in (0, 1] is how far (default 1 = fully).
 */
export interface DriftInjection {
  atIndex: number;
  kind: 'amount-shift' | 'amount-offset' | 'merchant-mix';
  magnitude?: number;
}

/** Options of `TransactionGenerator`; the built-in source, the training writer and tests pass them. */
export interface TransactionGeneratorOptions {
  /** uint32; the same seed gives the same stream, byte for byte. */
  seed: number;
  /** Users `user-000000` .. `user-(users-1)`; default 5000. */
  users?: number;
  drift?: DriftInjection | readonly DriftInjection[];
  /** event_time of event 0, epoch ms; default 2025-01-06T00:00:00Z. */
  startTimeMs?: number;
  /** Nominal rate: event i has event_time = start + floor(i * 1000 / eventsPerSecond); default 2. */
  eventsPerSecond?: number;
}

/** One generated event with its hidden ground truth (never part of the event itself). */
export interface GeneratedTransaction {
  index: number;
  event: TransactionEvent;
  label: 0 | 1;
  /** The probability the label was drawn with. */
  fraudProbability: number;
}

export const GENERATOR_DEFAULTS = Object.freeze({
  users: 5000,
  startTimeMs: Date.UTC(2025, 0, 6),
  // Slow enough that the default 200k training rows span more than a day of hours.
  eventsPerSecond: 2,
});

const DEFAULT_MAGNITUDE = { 'amount-shift': 3, 'amount-offset': 100, 'merchant-mix': 1 } as const;
const MAX_AMOUNT = 1e7;
/** Share of events that are unusually large for their user (a "spree"). */
const SPREE_RATE = 0.03;
const ATM_RATE = 0.05;
/** Logistic intercept; sets the fraud base rate of the normal stream to about 3%. */
const FRAUD_INTERCEPT = -6.4;

/**
 * The deterministic, seeded source of card transactions and their fraud labels. Call `next()`
 * for each event; `userFeatures` gives the store features of a user, consistent with the stream.
 */
export class TransactionGenerator {
  readonly seed: number;
  readonly userCount: number;
  readonly startTimeMs: number;
  readonly eventsPerSecond: number;
  #rng: Rng;
  #index = 0;
  #profiles: UserProfile[];
  #userCumulative: Float64Array;
  #normalMix: Float64Array;
  #drifts: readonly Required<DriftInjection>[];
  #driftMixes: Float64Array[];

  constructor(options: TransactionGeneratorOptions) {
    if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
      throw new RangeError(`TransactionGenerator: seed must be a uint32, got ${options.seed}`);
    }
    this.seed = options.seed;
    this.userCount = options.users ?? GENERATOR_DEFAULTS.users;
    this.startTimeMs = options.startTimeMs ?? GENERATOR_DEFAULTS.startTimeMs;
    this.eventsPerSecond = options.eventsPerSecond ?? GENERATOR_DEFAULTS.eventsPerSecond;
    if (!Number.isInteger(this.userCount) || this.userCount < 1) {
      throw new RangeError(`TransactionGenerator: users must be a positive integer, got ${this.userCount}`);
    }
    if (!(this.eventsPerSecond > 0)) {
      throw new RangeError(`TransactionGenerator: eventsPerSecond must be > 0, got ${this.eventsPerSecond}`);
    }
    this.#rng = new Rng(this.seed, 0);
    const scale = meanAmountScale();
    this.#profiles = Array.from({ length: this.userCount }, (_, i) => createUserProfile(this.seed, i, scale));
    this.#userCumulative = cumulativeWeights(this.#profiles.map((p) => p.activity));
    this.#normalMix = cumulativeWeights(mixWeights(0));
    this.#drifts = normalizeDrifts(options.drift);
    this.#driftMixes = this.#drifts.map((d) =>
      d.kind === 'merchant-mix' ? cumulativeWeights(mixWeights(d.magnitude)) : this.#normalMix,
    );
  }

  /** Index of the event the next `next()` call returns. */
  get index(): number {
    return this.#index;
  }

  next(): GeneratedTransaction {
    const index = this.#index++;
    const rng = this.#rng;
    let amountFactor = 1;
    let amountOffset = 0;
    let mix = this.#normalMix;
    for (let d = 0; d < this.#drifts.length; d++) {
      const drift = this.#drifts[d]!;
      if (index < drift.atIndex) continue;
      if (drift.kind === 'amount-shift') amountFactor *= drift.magnitude;
      else if (drift.kind === 'amount-offset') amountOffset += drift.magnitude;
      else mix = this.#driftMixes[d]!;
    }

    const user = this.#profiles[rng.pickCumulative(this.#userCumulative)]!;
    const category = MERCHANT_CATEGORIES[rng.pickCumulative(mix)]!;
    const online = rng.chance(Math.min(0.97, user.onlineRate * category.onlineFactor));
    const atm = !online && rng.chance(ATM_RATE);
    const channel: Channel = online ? 'ONLINE' : atm ? 'ATM' : 'POS';
    const foreign = rng.chance(
      category.name === 'travel' ? Math.max(0.3, user.foreignRate) : user.foreignRate,
    );
    const country = foreign ? FOREIGN_COUNTRIES[rng.int(FOREIGN_COUNTRIES.length)]! : 'US';
    const spree = rng.chance(SPREE_RATE) ? rng.uniform(3, 12) : 1;
    const rawAmount =
      Math.exp(user.amountLogMean + user.amountLogSd * rng.normal()) *
        category.amountScale *
        spree *
        amountFactor +
      amountOffset;
    const amount = Math.min(MAX_AMOUNT, Math.max(0.01, Math.round(rawAmount * 100) / 100));
    const eventTime = this.startTimeMs + Math.floor((index * 1000) / this.eventsPerSecond);

    const hour = Math.floor((eventTime % 86_400_000) / 3_600_000);
    const features = user.features;
    const logRatio = Math.log(amount / features.avg_amount_30d);
    const logit =
      FRAUD_INTERCEPT +
      1.3 * Math.min(4, Math.max(-2, logRatio)) +
      1.4 * (foreign ? 1 : 0) +
      0.7 * (online ? 1 : 0) +
      0.4 * (atm ? 1 : 0) +
      2.4 * category.fraudPropensity +
      1.5 * (features.account_age_days < 30 ? 1 : 0) +
      0.35 * Math.log1p(features.days_since_last_login) +
      0.5 * (hour < 6 ? 1 : 0) +
      0.8 * rng.normal();
    const fraudProbability = 1 / (1 + Math.exp(-logit));
    const label: 0 | 1 = rng.next() < fraudProbability ? 1 : 0;

    return {
      index,
      label,
      fraudProbability,
      event: {
        event_id: `${this.seed}-${index}`,
        key: user.userId,
        event_time: eventTime,
        amount,
        merchant_category: category.name,
        country,
        channel,
      },
    };
  }

  /** The next `count` events. */
  take(count: number): GeneratedTransaction[] {
    const out: GeneratedTransaction[] = [];
    for (let i = 0; i < count; i++) out.push(this.next());
    return out;
  }

  /** The store features of `userId`, or undefined for a user this generator does not have. */
  userFeatures(userId: string): UserFeatures | undefined {
    const index = userIndexOf(userId);
    const profile = index === undefined ? undefined : this.#profiles[index];
    return profile === undefined ? undefined : { ...profile.features };
  }

  /** Every user's store features, in user order. */
  *allUserFeatures(): IterableIterator<[userId: string, features: UserFeatures]> {
    for (const profile of this.#profiles) yield [profile.userId, { ...profile.features }];
  }
}

function normalizeDrifts(drift: TransactionGeneratorOptions['drift']): Required<DriftInjection>[] {
  const list: readonly DriftInjection[] = drift === undefined ? [] : Array.isArray(drift) ? drift : [drift];
  return list.map((d) => {
    if (!Number.isInteger(d.atIndex) || d.atIndex < 0) {
      throw new RangeError(`TransactionGenerator: drift.atIndex must be an integer >= 0, got ${d.atIndex}`);
    }
    const magnitude = d.magnitude ?? DEFAULT_MAGNITUDE[d.kind];
    const valid =
      d.kind === 'amount-shift'
        ? magnitude > 0
        : d.kind === 'amount-offset'
          ? Number.isFinite(magnitude)
          : magnitude > 0 && magnitude <= 1;
    if (!valid) {
      throw new RangeError(
        `TransactionGenerator: drift.magnitude ${magnitude} is out of range for ${d.kind}`,
      );
    }
    return { atIndex: d.atIndex, kind: d.kind, magnitude };
  });
}
