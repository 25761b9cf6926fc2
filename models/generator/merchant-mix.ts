/** One merchant category of the example domain, with how the generator treats it. */
export interface MerchantCategory {
  name: string;
  /** Share of events in the normal mix (relative). */
  weight: number;
  /** Share of events once a `merchant-mix` drift is fully on (relative). */
  driftWeight: number;
  /** Multiplier on the user's usual amount. */
  amountScale: number;
  /** Multiplier on the user's online rate (fuel is rarely online, online services nearly always). */
  onlineFactor: number;
  /** Hidden fraud propensity in [0, 1]; only the label function sees it. */
  fraudPropensity: number;
}

/**
 * The fixed merchant mix. `crypto_exchange` never occurs in the normal mix: the merchant-mix drift
 * brings it in, so a drifted stream also carries a category the model never saw.
 */
export const MERCHANT_CATEGORIES: readonly MerchantCategory[] = [
  { name: 'grocery', weight: 30, driftWeight: 8, amountScale: 1, onlineFactor: 0.4, fraudPropensity: 0.05 },
  {
    name: 'restaurants',
    weight: 22,
    driftWeight: 6,
    amountScale: 0.7,
    onlineFactor: 0.3,
    fraudPropensity: 0.1,
  },
  { name: 'fuel', weight: 14, driftWeight: 4, amountScale: 0.9, onlineFactor: 0.05, fraudPropensity: 0.15 },
  {
    name: 'online_services',
    weight: 12,
    driftWeight: 10,
    amountScale: 0.5,
    onlineFactor: 3,
    fraudPropensity: 0.3,
  },
  { name: 'travel', weight: 7, driftWeight: 8, amountScale: 4, onlineFactor: 1.5, fraudPropensity: 0.45 },
  {
    name: 'electronics',
    weight: 8,
    driftWeight: 22,
    amountScale: 3,
    onlineFactor: 1.2,
    fraudPropensity: 0.7,
  },
  { name: 'gaming', weight: 5, driftWeight: 16, amountScale: 0.6, onlineFactor: 2.5, fraudPropensity: 0.6 },
  { name: 'jewelry', weight: 2, driftWeight: 14, amountScale: 5, onlineFactor: 0.6, fraudPropensity: 0.85 },
  {
    name: 'crypto_exchange',
    weight: 0,
    driftWeight: 12,
    amountScale: 2.5,
    onlineFactor: 3,
    fraudPropensity: 0.9,
  },
];

/** Merchant countries of foreign transactions; home is 'US'. */
export const FOREIGN_COUNTRIES: readonly string[] = [
  'CA',
  'MX',
  'GB',
  'DE',
  'FR',
  'BR',
  'NG',
  'IN',
  'CN',
  'RU',
];

/** The normal mix's average `amountScale`; user profiles use it so avg_amount_30d matches spending. */
export function meanAmountScale(): number {
  let total = 0;
  let scaled = 0;
  for (const category of MERCHANT_CATEGORIES) {
    total += category.weight;
    scaled += category.weight * category.amountScale;
  }
  return scaled / total;
}

/** Weights of the mix with a merchant-mix drift of `magnitude` in [0, 1] (0 = normal, 1 = full drift). */
export function mixWeights(magnitude: number): number[] {
  return MERCHANT_CATEGORIES.map((c) => (1 - magnitude) * c.weight + magnitude * c.driftWeight);
}
