import type { Logger } from '../core/logger.ts';
import { EmbeddedTransport } from '../streams/embedded/index.ts';
import type { Transport } from '../streams/index.ts';
import { createKafkaTransport } from '../streams/kafka/index.ts';
import type { SluiceConfig } from './config/index.ts';

/**
 * Runs first, before the feature store, the model and the port: the Confluent client is an
 * optional native dependency, so where it is missing or unbuilt this loads it up front and fails
 * with its ConfigError (naming `transport.kafka.client` and the fix, exit 2) rather than after
 * everything else has started. The other clients need nothing loaded up front.
 */
export async function checkTransportClient(config: Pick<SluiceConfig, 'transport'>): Promise<void> {
  if (config.transport.kind === 'kafka' && config.transport.kafka.client === 'confluent') {
    const { loadRdKafka } = await import('../streams/kafka/confluent/index.ts');
    await loadRdKafka();
  }
}

/** The transport config describes; see `checkTransportClient` for what fails first. */
export async function createTransport(
  config: Pick<SluiceConfig, 'transport'>,
  logger: Logger,
): Promise<Transport> {
  if (config.transport.kind === 'kafka') {
    await checkTransportClient(config);
    return createKafkaTransport(config.transport.kafka, logger);
  }
  return new EmbeddedTransport({ retentionRecords: config.transport.embedded.retentionRecords });
}
