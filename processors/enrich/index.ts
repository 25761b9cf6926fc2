export { createEnricher, type EnrichOutcome, type FeatureViewSpec } from './enrich-batch.ts';
export { type EnrichConfig, enrichConfigSchema } from './enrich-config.ts';
export type { FeatureRow, FeatureStore } from './feature-store.ts';
export { MemoryFeatureStore } from './memory-feature-store.ts';
