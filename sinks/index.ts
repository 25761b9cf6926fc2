export { TopicSink } from './topic-sink.ts';
