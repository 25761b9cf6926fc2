export { type BatchSink, durableSink } from './batch-sink.ts';
export { type DeadLetterEncoder, deadLetterTopicSink, topicSink } from './topic-sink.ts';
