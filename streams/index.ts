export { ConsumedRecord } from './consumed-record.ts';
export { type ConsumerConfig, consumerConfigSchema } from './consumer-config.ts';
export { consumerLag, type PartitionLag } from './consumer-lag.ts';
export { ConsumerLoop, type ConsumerLoopOptions } from './consumer-loop.ts';
export { InFlightGate } from './inflight-gate.ts';
export { PartitionProgress } from './partition-progress.ts';
export type * from './types.ts';
export { DEFAULT_MAX_MESSAGE_BYTES, partitionId } from './types.ts';
