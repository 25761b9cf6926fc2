export { type BatchConfig, batchConfigSchema } from './batch-config.ts';
export { MicroBatcher, type MicroBatcherOptions } from './micro-batcher.ts';
