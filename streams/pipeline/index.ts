export { type BatchConfig, batchConfigSchema } from './batch-config.ts';
export { LatencyRecorder } from './latency-recorder.ts';
export { MicroBatcher, type MicroBatcherOptions } from './micro-batcher.ts';
export { OrderedBatchRunner } from './ordered-batch-runner.ts';
