export { bindFeatureView } from './bind-feature-view.ts';
export { BREAKER_STATES, type BreakerState, CircuitBreaker } from './circuit-breaker.ts';
export {
  createEnricher,
  type EnricherOptions,
  type EnrichOutcome,
  type FeatureViewProblem,
  type FeatureViewSpec,
  featureViewProblems,
} from './enrich-batch.ts';
export { type EnrichConfig, enrichConfigSchema } from './enrich-config.ts';
export { enrichStage } from './enrich-stage.ts';
export type { FeatureRow, FeatureStore } from './feature-store.ts';
export { type FeatureType, type FeatureViewConfig, featureViewSchema } from './feature-view-config.ts';
export {
  type FeatureStoreObserver,
  GuardedFeatureStore,
  type GuardOptions,
} from './guarded-feature-store.ts';
export { MemoryFeatureStore } from './memory-feature-store.ts';
export { decodePackedFeatures, encodePackedFeatures, PACKED_FORMAT_VERSION } from './packed-features.ts';
export { parseFeatureValue } from './parse-feature-value.ts';
export { type FeatureCacheOptions, RedisFeatureStore } from './redis-feature-store.ts';
export { type RedisStoreConfig, redisStoreConfigSchema } from './redis-store-config.ts';
