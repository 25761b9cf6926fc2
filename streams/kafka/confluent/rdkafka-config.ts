import type { KafkaConfig } from '../kafka-config.ts';
import type { RdKafkaConfigValue } from './rdkafka-api.ts';

/** librdkafka properties, as strings, numbers and booleans (no JS callbacks). */
export type RdKafkaProperties = Record<string, RdKafkaConfigValue>;

/** What a consumer adds to the transport's config. */
export interface ConsumerPropertiesInput {
  groupId: string;
  clientId?: string | undefined;
  fromBeginning?: boolean | undefined;
}

/**
 * The assignor. Cooperative-sticky moves only the partitions that change owner, so a member joining
 * or leaving never stops the whole group; the adapter handles both protocols (an `rdkafka` override
 * of `partition.assignment.strategy` to range/roundrobin gets eager rebalancing).
 */
export const DEFAULT_ASSIGNOR = 'cooperative-sticky';

const SASL_MECHANISMS = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const;

/** Connection and security properties every client of the transport shares. */
export function commonProperties(config: KafkaConfig): RdKafkaProperties {
  const props: RdKafkaProperties = {
    'metadata.broker.list': config.brokers.join(','),
    'client.id': config.clientId,
    'socket.timeout.ms': config.requestTimeoutMs,
    // Brokers close idle connections; librdkafka would report each one as an error event.
    'log.connection.close': false,
  };
  const sasl = config.sasl;
  props['security.protocol'] = config.ssl
    ? sasl
      ? 'sasl_ssl'
      : 'ssl'
    : sasl
      ? 'sasl_plaintext'
      : 'plaintext';
  if (config.caFile) props['ssl.ca.location'] = config.caFile;
  if (sasl) {
    props['sasl.mechanisms'] = SASL_MECHANISMS[sasl.mechanism];
    props['sasl.username'] = sasl.username;
    props['sasl.password'] = sasl.password;
  }
  return props;
}

/**
 * The idempotent producer: acks=all, no duplicates or reordering on retry, and Kafka's murmur2
 * partitioner so a key lands where the Java client, kafkajs and the embedded broker put it.
 */
export function producerProperties(config: KafkaConfig): RdKafkaProperties {
  return {
    ...commonProperties(config),
    'enable.idempotence': true,
    'compression.codec': config.compression,
    'linger.ms': config.lingerMs,
    ...config.rdkafka,
  };
}

/**
 * Topic-level producer properties, passed as the binding's default topic config: set in the global
 * config they would be silently ignored (see consumerTopicProperties), and keys would be spread by
 * librdkafka's crc32 partitioner instead of Kafka's murmur2.
 */
export function producerTopicProperties(config: KafkaConfig): RdKafkaProperties {
  return {
    acks: 'all',
    partitioner: 'murmur2_random',
    'request.timeout.ms': config.requestTimeoutMs,
  };
}

/** A group member that never commits on its own: the engine commits exactly what it has acked. */
export function consumerProperties(config: KafkaConfig, input: ConsumerPropertiesInput): RdKafkaProperties {
  const session = config.sessionTimeoutMs;
  return {
    ...commonProperties(config),
    'client.id': input.clientId ?? config.clientId,
    'group.id': input.groupId,
    ...(config.groupInstanceId === undefined ? {} : { 'group.instance.id': config.groupInstanceId }),
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    // Inputs written by a transactional producer (an upstream exactly-once job) are read only once committed.
    'isolation.level': 'read_committed',
    'partition.assignment.strategy': DEFAULT_ASSIGNOR,
    'session.timeout.ms': session,
    // Three heartbeats per session, as Kafka recommends; librdkafka's default (3 s) is too slow for short sessions.
    'heartbeat.interval.ms': Math.max(100, Math.min(3000, Math.floor(session / 3))),
    ...config.rdkafka,
  };
}

/**
 * Topic-level consumer properties. The binding always passes a default topic config, which replaces
 * (not merges with) topic properties given in the global config, so `auto.offset.reset` set there
 * would be silently ignored and a new group would start at the log end.
 */
export function consumerTopicProperties(input: ConsumerPropertiesInput): RdKafkaProperties {
  return { 'auto.offset.reset': input.fromBeginning === false ? 'latest' : 'earliest' };
}

/** The admin client: connection properties plus passthrough overrides. */
export function adminProperties(config: KafkaConfig): RdKafkaProperties {
  return { ...commonProperties(config), ...config.rdkafka };
}

/** librdkafka's default `message.max.bytes`: the largest record (and request) its producer sends. */
const LIBRDKAFKA_MESSAGE_MAX_BYTES = 1_000_000;

/** The producer's `message.max.bytes`, as `transport.kafka.rdkafka` sets it or librdkafka's default. */
export function producerMessageMaxBytes(config: KafkaConfig): number {
  const set = Number(config.rdkafka['message.max.bytes']);
  return Number.isFinite(set) && set > 0 ? set : LIBRDKAFKA_MESSAGE_MAX_BYTES;
}
