export { FOREIGN_COUNTRIES, MERCHANT_CATEGORIES, type MerchantCategory } from './merchant-mix.ts';
export { cumulativeWeights, Rng } from './prng.ts';
export {
  type DriftInjection,
  GENERATOR_DEFAULTS,
  type GeneratedTransaction,
  TransactionGenerator,
  type TransactionGeneratorOptions,
} from './transaction-generator.ts';
export {
  buildUserFeatureRows,
  seedRowValues,
  type UserFeatureRowOptions,
  type UserFeatureSeedRow,
} from './user-feature-rows.ts';
export { type UserFeatures, type UserProfile, userIdOf, userIndexOf } from './user-profile.ts';
