import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { createKafkaTransport } from '../../streams/kafka/index.ts';
import { kafkaConfigSchema } from '../../streams/kafka/kafka-config.ts';
import { startCli } from '../support/cli-process.ts';
import { requireKafkaSaslListener } from '../support/kafka-harness.ts';
import { KAFKA_CLIENTS, type KafkaClient, readTopic } from '../support/kafka-pipeline.ts';

// The provisioned broker has a SASL/PLAIN listener (scripts/services.sh); an external broker named
// by KAFKA_BROKERS may not, and then these tests fail saying what to set instead of passing or skipping.
function saslConfig(client: KafkaClient, secret?: string) {
  const { brokers, username, password } = requireKafkaSaslListener();
  return kafkaConfigSchema.parse({
    brokers,
    client,
    sasl: { mechanism: 'plain', username, password: secret ?? password },
    requestTimeoutMs: 5000,
  });
}

describe.each(KAFKA_CLIENTS)('SASL/PLAIN with the %s client', (client) => {
  it('produces and consumes with the right password', async () => {
    const transport = await createKafkaTransport(saslConfig(client), silentLogger);
    try {
      const topic = `sasl-${client}-${Date.now().toString(36)}`;
      await transport.ensureTopics([{ topic, partitions: 2 }]);
      const producer = await transport.createProducer();
      await producer.send(topic, [
        { key: 'a', value: Buffer.from('over sasl') },
        { key: 'b', value: Buffer.from('second') },
      ]);
      await producer.close();
      const records = await readTopic(transport, topic, 2, 30_000);
      expect(records.map((r) => r.value?.toString()).sort()).toEqual(['over sasl', 'second']);
    } finally {
      await transport.close();
    }
  }, 60_000);

  it('fails at the first refused login with a config error naming transport.kafka.sasl', async () => {
    // A request timeout far longer than the test: only the refused login itself can end the call.
    const config = { ...saslConfig(client, 'not-the-password'), requestTimeoutMs: 120_000 };
    const transport = await createKafkaTransport(config, silentLogger);
    try {
      const attempt = transport.ensureTopics([{ topic: `sasl-denied-${client}`, partitions: 1 }]);
      await expect(attempt).rejects.toBeInstanceOf(ConfigError);
      await expect(attempt).rejects.toMatchObject({
        code: 'SLUICE_KAFKA_AUTH_FAILED',
        subject: 'transport.kafka.sasl',
        message: expect.stringContaining('check transport.kafka.sasl'),
      });
    } finally {
      await transport.close();
    }
  }, 60_000);

  it('makes `sluice start` exit 2 naming transport.kafka.sasl, before it ever serves', async () => {
    const { brokers, username } = requireKafkaSaslListener();
    const cli = startCli(['start'], {
      KAFKA_BROKERS: brokers.join(','),
      SLUICE_PORT: '0',
      SLUICE_TRANSPORT__KAFKA__CLIENT: client,
      SLUICE_TRANSPORT__KAFKA__REQUEST_TIMEOUT_MS: '120000',
      SLUICE_TRANSPORT__KAFKA__SASL: JSON.stringify({
        mechanism: 'plain',
        username,
        password: 'not-the-password',
      }),
    });
    expect(await cli.exited, cli.output().slice(-2000)).toBe(2);
    expect(cli.output()).toContain('transport.kafka.sasl');
    expect(cli.output()).not.toContain('not-the-password');
    expect(cli.output()).not.toContain('sluice is running');
  }, 60_000);
});
