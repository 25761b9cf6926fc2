import { ConfigError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { Transport } from '../types.ts';
import type { KafkaConfig } from './kafka-config.ts';
import { compileValidatorsLazily } from './platformatic/lazy-validators.ts';

/**
 * The Kafka transport for `transport.kafka.client`. Adapters load lazily: the Confluent client is a
 * native optional dependency that may be absent where it could not be built.
 */
export async function createKafkaTransport(config: KafkaConfig, logger: Logger): Promise<Transport> {
  if (config.brokers.length === 0) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      'transport.kafka.brokers: empty; set KAFKA_BROKERS=host:port[,host:port]',
      {
        subject: 'transport.kafka.brokers',
      },
    );
  }
  if (config.client === 'platformatic') {
    await compileValidatorsLazily();
    const { PlatformaticTransport } = await import('./platformatic/index.ts');
    return new PlatformaticTransport(config, logger);
  }
  if (config.client === 'kafkajs') {
    const { KafkajsTransport } = await import('./kafkajs/index.ts');
    return new KafkajsTransport(config, logger);
  }
  const { ConfluentTransport } = await import('./confluent/index.ts');
  return new ConfluentTransport(config, logger);
}
