import { readFileSync } from 'node:fs';
import zlib from 'node:zlib';
import type { BaseOptions, CompressionAlgorithmValue, SASLOptions } from '@platformatic/kafka';
import { ConfigError, errorMessage } from '../../../core/errors.ts';
import type { KafkaConfig } from '../kafka-config.ts';

const SASL_MECHANISMS = {
  plain: 'PLAIN',
  'scram-sha-256': 'SCRAM-SHA-256',
  'scram-sha-512': 'SCRAM-SHA-512',
} as const;

/** Bounded retries (the client's own default is 3 at 250 ms): a dead broker fails the call, Sluice's loops retry. */
const RETRIES = 5;
const RETRY_DELAY_MS = 250;

/**
 * The connection options every @platformatic/kafka client of the transport shares: brokers, SASL,
 * TLS and timeouts from `transport.kafka`. An unreadable CA file is a ConfigError naming the key.
 */
export function platformaticBaseOptions(config: KafkaConfig, clientId: string): BaseOptions {
  const options: BaseOptions = {
    clientId,
    bootstrapBrokers: config.brokers,
    timeout: config.requestTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    connectTimeout: Math.min(config.requestTimeoutMs, 10_000),
    retries: RETRIES,
    retryDelay: RETRY_DELAY_MS,
    // Topics are created by ensureTopics(); a typo must fail, not create a one-partition topic.
    autocreateTopics: false,
  };
  if (config.sasl) {
    const sasl: SASLOptions = {
      mechanism: SASL_MECHANISMS[config.sasl.mechanism],
      username: config.sasl.username,
      password: config.sasl.password,
    };
    options.sasl = sasl;
  }
  if (config.ssl || config.caFile) options.tls = config.caFile ? { ca: readCa(config.caFile) } : {};
  return options;
}

/**
 * gzip through node:zlib, snappy and lz4 through the client's WebAssembly. zstd needs node:zlib's
 * zstd (Node ≥ 22.15), so on older Node it is a ConfigError naming the key, not a failed send later.
 */
export function platformaticCompression(config: KafkaConfig): CompressionAlgorithmValue {
  if (
    config.compression === 'zstd' &&
    typeof (zlib as { zstdCompressSync?: unknown }).zstdCompressSync !== 'function'
  ) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `transport.kafka.compression: "zstd" with client "platformatic" needs Node >= 22.15 (this is ${process.version}); use gzip, snappy or lz4, or client "confluent"`,
      { subject: 'transport.kafka.compression' },
    );
  }
  return config.compression;
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (error) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `transport.kafka.caFile: cannot read "${file}": ${errorMessage(error)}`,
      { subject: 'transport.kafka.caFile', cause: error },
    );
  }
}
