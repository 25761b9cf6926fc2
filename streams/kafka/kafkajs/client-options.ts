import { readFileSync } from 'node:fs';
import {
  CompressionTypes,
  type ConsumerConfig,
  type KafkaConfig as KafkajsConfig,
  type LogEntry,
  logLevel,
  type RetryOptions,
  type SASLOptions,
} from 'kafkajs';
import { ConfigError, errorMessage } from '../../../core/errors.ts';
import type { Logger } from '../../../core/logger.ts';
import type { KafkaConfig } from '../kafka-config.ts';

/**
 * kafkajs's retry policy for every client. Its default backs off up to 30 s per attempt, so a
 * consumer could take minutes to come back after a broker restart; this one gives up a chain
 * after ~7 s (0.25 + 0.5 + 1 + 2 + 3 s), and the consumer then restarts itself within 3 s.
 */
export const KAFKAJS_RETRY: RetryOptions = {
  initialRetryTime: 250,
  maxRetryTime: 3_000,
  multiplier: 2,
  factor: 0.2,
  retries: 5,
};

/** kafkajs log lines Sluice causes on purpose or that describe routine events; logged at debug instead of warn. */
const EXPECTED_WARNINGS = [
  // The producer's retries are bounded so a dead broker fails `send` (the sink retries it) rather
  // than hanging it forever; kafkajs rolls sequence numbers back on failure, so a re-sent batch
  // is still deduplicated by the broker.
  'Limiting retries for the idempotent producer',
  // Routine group membership changes; the consumer loop logs revokes and assignments itself.
  'The group is rebalancing, re-joining',
];

/**
 * Maps `transport.kafka` onto kafkajs's client config: brokers, client id, TLS (with `caFile` read
 * into `ssl.ca`), SASL, timeouts, retries, and a log creator that routes kafkajs into pino at
 * warn and above. Called once by KafkajsTransport's constructor; throws a ConfigError naming the
 * key for what kafkajs cannot do.
 */
export function kafkajsClientConfig(config: KafkaConfig, logger: Logger): KafkajsConfig {
  if (config.brokers.length === 0) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      'transport.kafka.brokers: empty; set KAFKA_BROKERS=host:port[,host:port]',
      { subject: 'transport.kafka.brokers' },
    );
  }
  if (Object.keys(config.rdkafka).length > 0) {
    logger.warn(
      { keys: Object.keys(config.rdkafka) },
      'transport.kafka.rdkafka is ignored by the kafkajs client (librdkafka properties apply to the Confluent client only)',
    );
  }
  return {
    brokers: config.brokers,
    clientId: config.clientId,
    ssl: sslOptions(config, logger),
    sasl: saslOptions(config),
    requestTimeout: config.requestTimeoutMs,
    // kafkajs's 1 s default is short for TLS over a WAN; a refused connection fails at once anyway.
    connectionTimeout: Math.min(3_000, config.requestTimeoutMs),
    retry: KAFKAJS_RETRY,
    logLevel: logLevel.WARN,
    logCreator: () => (entry) => logKafkajs(logger, entry),
  };
}

/**
 * kafkajs consumer settings for one group member. Heartbeats at a third of the session timeout
 * (kafkajs learns of rebalances only from them), fetches long-poll for at most 500 ms so stop and
 * idle rebalance detection stay quick, and topics are never auto-created by a subscription.
 */
export function kafkajsConsumerConfig(config: KafkaConfig, groupId: string): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: config.sessionTimeoutMs,
    // How long the coordinator waits for members to rejoin; the feeder holds a rejoin for at
    // most half of it while the engine revokes.
    rebalanceTimeout: REBALANCE_TIMEOUT_MS,
    heartbeatInterval: Math.max(100, Math.min(3_000, Math.floor(config.sessionTimeoutMs / 3))),
    maxWaitTimeInMs: 500,
    allowAutoTopicCreation: false,
    retry: KAFKAJS_RETRY,
  };
}

/** See kafkajsConsumerConfig. */
export const REBALANCE_TIMEOUT_MS = 60_000;

/** kafkajs's codec for `transport.kafka.compression`; gzip is the only one it ships. */
export function kafkajsCompression(config: Pick<KafkaConfig, 'compression'>): CompressionTypes {
  switch (config.compression) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    default:
      throw new ConfigError(
        'SLUICE_CONFIG_INVALID',
        `transport.kafka.compression: "${config.compression}" is not available with transport.kafka.client=kafkajs ` +
          '(kafkajs ships gzip only): set transport.kafka.compression to gzip or none, ' +
          'or transport.kafka.client to confluent',
        { subject: 'transport.kafka.compression' },
      );
  }
}

function sslOptions(config: KafkaConfig, logger: Logger): KafkajsConfig['ssl'] {
  if (!config.ssl) {
    if (config.caFile !== undefined) {
      logger.warn(
        { caFile: config.caFile },
        'transport.kafka.caFile is set but transport.kafka.ssl is false: connecting without TLS',
      );
    }
    return undefined;
  }
  if (config.caFile === undefined) return true;
  let ca: string;
  try {
    ca = readFileSync(config.caFile, 'utf8');
  } catch (error) {
    throw new ConfigError(
      'SLUICE_CONFIG_FILE_UNREADABLE',
      `transport.kafka.caFile: cannot read "${config.caFile}": ${errorMessage(error)}`,
      { subject: 'transport.kafka.caFile', cause: error },
    );
  }
  return { ca: [ca] };
}

function saslOptions(config: KafkaConfig): SASLOptions | undefined {
  const sasl = config.sasl;
  if (!sasl) return undefined;
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case 'plain':
      return { mechanism: 'plain', username, password };
    case 'scram-sha-256':
      return { mechanism: 'scram-sha-256', username, password };
    case 'scram-sha-512':
      return { mechanism: 'scram-sha-512', username, password };
  }
}

/** kafkajs ERROR and WARN entries become pino warnings (kafkajs logs every retried failure as ERROR). */
function logKafkajs(logger: Logger, entry: LogEntry): void {
  const { message, timestamp: _timestamp, logger: _source, ...extra } = entry.log;
  const fields = { kafkajs: entry.namespace, ...extra };
  if (EXPECTED_WARNINGS.some((prefix) => message.startsWith(prefix))) logger.debug(fields, message);
  else if (entry.level <= logLevel.WARN) logger.warn(fields, message);
  else logger.debug(fields, message);
}
