import type { Logger } from '../../core/logger.ts';
import type { KafkaConfig } from './kafka-config.ts';
import { kafkajsClientConfig } from './kafkajs/client-options.ts';
import { TopicAdmin } from './kafkajs/topic-admin.ts';

/**
 * Reads topic configs for the Confluent adapter. @confluentinc/kafka-javascript 1.10 has no
 * DescribeConfigs in its admin API (confluent-kafka-javascript#444), so this asks through a
 * kafkajs admin client on the same brokers, TLS and SASL settings; librdkafka-only properties
 * under `transport.kafka.rdkafka` do not apply to it. Connected on first use.
 */
export class TopicConfigReader {
  readonly #config: KafkaConfig;
  readonly #logger: Logger;
  readonly #timeoutMs: number;
  #admin: TopicAdmin | undefined;

  constructor(config: KafkaConfig, logger: Logger) {
    this.#config = config;
    this.#logger = logger;
    this.#timeoutMs = config.requestTimeoutMs;
  }

  async describe(topic: string): Promise<Record<string, string>> {
    if (!this.#admin) {
      // Dynamic: the Confluent adapter loads kafkajs only when a topic's configs are asked for.
      const { Kafka } = await import('kafkajs');
      const kafka = new Kafka(kafkajsClientConfig({ ...this.#config, rdkafka: {} }, this.#logger));
      this.#admin = new TopicAdmin(kafka, this.#logger, { replicationFactor: 1, timeoutMs: this.#timeoutMs });
    }
    return this.#admin.describeConfigs(topic);
  }

  async close(): Promise<void> {
    await this.#admin?.close().catch(() => undefined);
    this.#admin = undefined;
  }
}
