export type { BatchSink } from './batch-sink.ts';
export { TopicSink } from './topic-sink.ts';
