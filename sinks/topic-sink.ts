import type { OutgoingRecord } from '../streams/index.ts';
import type {
  DeadLetterSink,
  DurableSink,
  FailedRecord,
  PipelineItem,
  SinkContext,
} from '../streams/pipeline/index.ts';

/**
 * A durable sink that sends each delivered item's record to one topic, through the topology's
 * producer. `write` resolves only once the transport durably accepted the whole batch (acks=all on
 * Kafka), so the engine may ack the inputs behind them.
 */
export function topicSink<T extends PipelineItem>(
  topic: string,
  record: (item: T) => OutgoingRecord,
): DurableSink<T> {
  let context: SinkContext | undefined;
  return {
    name: `topic:${topic}`,
    open(c) {
      context = c;
    },
    async write(items) {
      if (items.length === 0) return;
      const records = new Array<OutgoingRecord>(items.length);
      for (let i = 0; i < items.length; i++) records[i] = record(items[i]!);
      await context!.producer.send(topic, records);
    },
  };
}

/** Turns failed records into dead-letter records; `open` may check that the topic can hold them. */
export interface DeadLetterEncoder<L> {
  open?(context: SinkContext, topic: string): void | Promise<void>;
  encode(failed: readonly FailedRecord[]): { records: OutgoingRecord[]; letters: L[] };
}

/**
 * The dead-letter sink on a topic: the encoder decides what a dead letter holds, this sends them
 * through the topology's producer and, once the topic has them, hands them to `written` (the live
 * feed's `deadletters` channel).
 */
export function deadLetterTopicSink<L>(
  topic: string,
  encoder: DeadLetterEncoder<L>,
  written?: (letters: L[]) => void,
): DeadLetterSink {
  let context: SinkContext | undefined;
  return {
    name: `topic:${topic}`,
    async open(c) {
      context = c;
      await encoder.open?.(c, topic);
    },
    async write(failed) {
      const { records, letters } = encoder.encode(failed);
      if (records.length > 0) await context!.producer.send(topic, records);
      written?.(letters);
    },
  };
}
