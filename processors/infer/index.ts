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
