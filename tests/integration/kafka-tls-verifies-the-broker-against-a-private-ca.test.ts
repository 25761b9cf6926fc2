import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { createKafkaTransport } from '../../streams/kafka/index.ts';
import { kafkaConfigSchema } from '../../streams/kafka/kafka-config.ts';
import { requireKafkaTlsListener } from '../support/kafka-harness.ts';
import { KAFKA_CLIENTS, type KafkaClient, readTopic } from '../support/kafka-pipeline.ts';

// The provisioned broker has a TLS listener whose certificate a private CA signed
// (scripts/services.sh); `transport.kafka.caFile` names that CA.
function tlsConfig(client: KafkaClient, caFile?: string) {
  const { brokers } = requireKafkaTlsListener();
  return kafkaConfigSchema.parse({ brokers, client, ssl: true, caFile, requestTimeoutMs: 5000 });
}

describe.each(KAFKA_CLIENTS)('TLS with the %s client', (client) => {
  it('produces and consumes through a broker whose certificate transport.kafka.caFile verifies', async () => {
    const transport = await createKafkaTransport(
      tlsConfig(client, requireKafkaTlsListener().caFile),
      silentLogger,
    );
    try {
      const topic = `tls-${client}-${Date.now().toString(36)}`;
      await transport.ensureTopics([{ topic, partitions: 2 }]);
      const producer = await transport.createProducer();
      await producer.send(topic, [
        { key: 'a', value: Buffer.from('over tls') },
        { key: 'b', value: Buffer.from('second') },
      ]);
      await producer.close();
      const records = await readTopic(transport, topic, 2, 30_000);
      expect(records.map((r) => r.value?.toString()).sort()).toEqual(['over tls', 'second']);
    } finally {
      await transport.close();
    }
  }, 60_000);

  it('refuses a broker whose certificate the system CAs do not verify', async () => {
    const transport = await createKafkaTransport(tlsConfig(client), silentLogger);
    try {
      await expect(
        transport.ensureTopics([{ topic: `tls-unverified-${client}`, partitions: 1 }]),
      ).rejects.toThrow();
    } finally {
      await transport.close();
    }
  }, 60_000);
});
