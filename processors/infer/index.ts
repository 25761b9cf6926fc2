export {
  FRAUD_FEATURE_COUNT,
  FRAUD_FEATURE_DEFAULTS,
  FRAUD_FEATURES,
  FRAUD_STORE_FEATURES,
  type FraudFeatureName,
  type FraudStoreFeatureName,
  fraudFeatureVector,
  fraudFeatureView,
  MERCHANT_RISK,
  UNKNOWN_MERCHANT_RISK,
  writeFeatureVector,
} from '../../models/fraud/feature-row.ts';
export { type InferConfig, inferConfigSchema } from './infer-config.ts';
export { inferStage } from './infer-stage.ts';
export { InferencePool, type InferencePoolInfo, type InferencePoolOptions } from './inference-pool.ts';
export { type CompiledRow, compileRow, RowSpecError } from './input-row/compile-row.ts';
export { loadInputRow } from './input-row/load-input-row.ts';
export { loadModelRow } from './input-row/model-row.ts';
export { fraudBundle, loadModelBundle, type ModelBundle } from './model-bundle.ts';
export {
  loadModelManifest,
  type ModelManifest,
  type ModelOutput,
  modelManifestSchema,
  modelOutputOf,
  readModelManifest,
} from './model-manifest.ts';
export type { FeatureVector, Scorer } from './scorer.ts';
