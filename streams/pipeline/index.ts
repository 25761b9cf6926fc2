export { type BatchConfig, batchConfigSchema } from './batch-config.ts';
export { LatencyRecorder } from './latency-recorder.ts';
export { MicroBatcher, type MicroBatcherOptions } from './micro-batcher.ts';
export { OrderedBatchRunner } from './ordered-batch-runner.ts';
export type { BoundCounter, BoundGauge, BoundHistogram, CollectedValue } from './stage-metrics.ts';
export { StageMetrics } from './stage-metrics.ts';
export type {
  BatchStage,
  DeadLetterSink,
  DurableSink,
  FailedRecord,
  PipelineItem,
  RecordStage,
  SinkContext,
  StageContext,
  Tap,
} from './stages.ts';
export { type RunningTopology, Topologies } from './topologies.ts';
export type { TopologyDeclaration } from './topology-declaration.ts';
export { TopologyRuntime, type TopologyRuntimeOptions, type TopologyTotals } from './topology-runtime.ts';
