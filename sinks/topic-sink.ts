import type { OutgoingRecord, ProducerClient } from '../streams/index.ts';

/**
 * Delivers records to one topic. `write` resolves only once the transport has durably accepted the
 * whole batch (acks=all on Kafka), so the engine may ack the inputs behind them.
 */
export class TopicSink {
  readonly name: string;
  readonly topic: string;
  readonly #producer: ProducerClient;

  constructor(producer: ProducerClient, topic: string) {
    this.#producer = producer;
    this.topic = topic;
    this.name = `topic:${topic}`;
  }

  async write(records: OutgoingRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.#producer.send(this.topic, records);
  }
}
