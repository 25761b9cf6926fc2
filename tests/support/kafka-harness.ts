// Shared helpers of the Confluent (librdkafka) transport's integration tests. The broker comes from
// KAFKA_BROKERS (`bash scripts/services.sh up && source .sluice/services/env`); without it the
// tests fail with that instruction, never skip.
import { randomBytes } from 'node:crypto';
import { silentLogger } from '../../core/logger.ts';
import { ConfluentTransport, type ConfluentTransportOptions } from '../../streams/kafka/confluent/index.ts';
import { type KafkaConfig, kafkaConfigSchema } from '../../streams/kafka/kafka-config.ts';
import { KafkajsTransport, type KafkajsTransportOptions } from '../../streams/kafka/kafkajs/index.ts';
import {
  PlatformaticTransport,
  type PlatformaticTransportOptions,
} from '../../streams/kafka/platformatic/index.ts';
import type {
  ConsumerClient,
  ConsumerOptions,
  InputRecord,
  RebalanceListener,
  TopicPartition,
  TopicPartitionOffset,
} from '../../streams/types.ts';

/** The broker list from KAFKA_BROKERS; throws with the way to get one when unset. */
export function requireKafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    throw new Error(
      'KAFKA_BROKERS is not set: these tests need a real Kafka broker. Run `bash scripts/services.sh up && ' +
        'source .sluice/services/env` (or `npm test`, which provisions one), or point KAFKA_BROKERS at a broker.',
    );
  }
  return brokers.split(',');
}

/** The SASL/PLAIN listener the SASL tests authenticate against. */
export interface SaslListener {
  brokers: string[];
  username: string;
  password: string;
}

/**
 * The SASL/PLAIN listener from KAFKA_SASL_BROKERS, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD;
 * throws with what to set when any is missing. scripts/services.sh exports them only for the broker
 * it starts itself, so a broker named by KAFKA_BROKERS must be given its SASL listener too.
 */
export function requireKafkaSaslListener(): SaslListener {
  const brokers = process.env.KAFKA_SASL_BROKERS;
  const username = process.env.KAFKA_SASL_USERNAME;
  const password = process.env.KAFKA_SASL_PASSWORD;
  const unset = Object.entries({
    KAFKA_SASL_BROKERS: brokers,
    KAFKA_SASL_USERNAME: username,
    KAFKA_SASL_PASSWORD: password,
  })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (unset.length === 0) return { brokers: brokers!.split(','), username: username!, password: password! };
  const how = process.env.KAFKA_BROKERS
    ? `KAFKA_BROKERS=${process.env.KAFKA_BROKERS} names a broker scripts/services.sh did not start, so it ` +
      "exported no SASL listener: set KAFKA_SASL_BROKERS to that broker's SASL_PLAINTEXT listener with " +
      'the PLAIN mechanism, and KAFKA_SASL_USERNAME / KAFKA_SASL_PASSWORD to a user it accepts.'
    : 'Run `bash scripts/services.sh up && source .sluice/services/env` (or `npm test`, which provisions a ' +
      'broker with a SASL/PLAIN listener and exports all three).';
  throw new Error(`${unset.join(', ')} not set: these tests need a Kafka SASL/PLAIN listener. ${how}`);
}

/** The TLS listener of the test broker and the private CA that signed its certificate. */
export function requireKafkaTlsListener(): { brokers: string[]; caFile: string } {
  const brokers = process.env.KAFKA_TLS_BROKERS;
  const caFile = process.env.KAFKA_TLS_CA_FILE;
  if (brokers && caFile) return { brokers: brokers.split(','), caFile };
  const how = process.env.KAFKA_BROKERS
    ? `KAFKA_BROKERS=${process.env.KAFKA_BROKERS} names a broker scripts/services.sh did not start (or one ` +
      'it started before the TLS listener existed: `npm run services -- restart-kafka`): set ' +
      "KAFKA_TLS_BROKERS to that broker's SSL listener and KAFKA_TLS_CA_FILE to the CA that signed it."
    : 'Run `bash scripts/services.sh up && source .sluice/services/env` (or `npm test`, which provisions a ' +
      'broker with a TLS listener and exports both).';
  throw new Error(
    `KAFKA_TLS_BROKERS or KAFKA_TLS_CA_FILE not set: these tests need a Kafka TLS listener. ${how}`,
  );
}

/** A topic or group name no other run or test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** The transport config for the test broker; short session timeouts so rebalances are quick. */
export function confluentTestConfig(overrides: Partial<KafkaConfig> = {}): KafkaConfig {
  return kafkaConfigSchema.parse({
    brokers: requireKafkaBrokers(),
    clientId: 'sluice-test',
    sessionTimeoutMs: 6000,
    requestTimeoutMs: 10_000,
    lingerMs: 2,
    ...overrides,
  });
}

export function openConfluentTransport(
  overrides: Partial<KafkaConfig> = {},
  options: ConfluentTransportOptions = {},
): Promise<ConfluentTransport> {
  return new ConfluentTransport(confluentTestConfig(overrides), silentLogger, options).open();
}

/** A rebalance listener that records what it was told, with the time each call finished. */
export class RecordingListener implements RebalanceListener {
  readonly assigned: Array<{ partitions: TopicPartition[]; at: number }> = [];
  readonly revoked: Array<{ partitions: TopicPartition[]; startedAt: number; finishedAt: number }> = [];
  #onRevoked: ((partitions: TopicPartition[]) => Promise<void> | void) | undefined;

  /** `onRevoked` runs this (awaited) before recording that the revoke finished. */
  constructor(onRevoked?: (partitions: TopicPartition[]) => Promise<void> | void) {
    this.#onRevoked = onRevoked;
  }

  onAssigned(partitions: TopicPartition[]): void {
    this.assigned.push({ partitions, at: Date.now() });
  }

  async onRevoked(partitions: TopicPartition[]): Promise<void> {
    const startedAt = Date.now();
    await this.#onRevoked?.(partitions);
    this.revoked.push({ partitions, startedAt, finishedAt: Date.now() });
  }
}

/** Polls until `done(records so far)` holds; fails after `timeoutMs` naming `what`. */
export async function pollUntil(
  consumer: ConsumerClient,
  done: (records: InputRecord[]) => boolean,
  timeoutMs: number,
  what: string,
): Promise<InputRecord[]> {
  const records: InputRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(records)) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (got ${records.length})`);
    records.push(...(await consumer.poll(1000, 100)));
  }
  return records;
}

/** Polls for `ms` and returns whatever arrived. */
export async function pollFor(consumer: ConsumerClient, ms: number): Promise<InputRecord[]> {
  const records: InputRecord[] = [];
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) records.push(...(await consumer.poll(1000, 50)));
  return records;
}

/** Offsets to commit after processing `records`: last offset + 1 per partition. */
export function nextOffsets(records: readonly InputRecord[]): TopicPartitionOffset[] {
  const next = new Map<string, TopicPartitionOffset>();
  for (const r of records) {
    const key = `${r.topic}[${r.partition}]`;
    const current = next.get(key);
    if (!current || r.offset + 1 > current.offset)
      next.set(key, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
  }
  return [...next.values()];
}

/** Records grouped by partition, each in consumed order. */
export function byPartition(records: readonly InputRecord[]): Map<number, InputRecord[]> {
  const out = new Map<number, InputRecord[]>();
  for (const r of records) {
    const list = out.get(r.partition);
    if (list) list.push(r);
    else out.set(r.partition, [r]);
  }
  return out;
}

/** The kafkajs transport on the test broker, with the same settings as `confluentTestConfig`. */
export async function openKafkajsTransport(
  overrides: Partial<KafkaConfig> = {},
  options: KafkajsTransportOptions = {},
): Promise<KafkajsTransport> {
  return new KafkajsTransport(
    confluentTestConfig({ ...overrides, client: 'kafkajs' }),
    silentLogger,
    options,
  );
}

/** The @platformatic/kafka transport on the test broker, with the same settings as `confluentTestConfig`. */
export async function openPlatformaticTransport(
  overrides: Partial<KafkaConfig> = {},
  options: PlatformaticTransportOptions = {},
): Promise<PlatformaticTransport> {
  return new PlatformaticTransport(
    confluentTestConfig({ ...overrides, client: 'platformatic' }),
    silentLogger,
    options,
  );
}

/** What `readTopicToEnd` needs from a Kafka transport; both adapters offer it. */
export interface TopicEndReader {
  endOffsets(topic: string): Promise<number[]>;
  createConsumer(options: ConsumerOptions): Promise<ConsumerClient>;
}

/**
 * Reads `topic` from the beginning with a throwaway group until it has every record up to the
 * end offsets measured at the start. Works with either Kafka adapter.
 */
export async function readTopicToEnd(
  transport: TopicEndReader,
  topic: string,
  timeoutMs = 30_000,
): Promise<InputRecord[]> {
  const ends = await transport.endOffsets(topic);
  const total = ends.reduce((a, b) => a + b, 0);
  const consumer = await transport.createConsumer({
    groupId: uniqueName('reader'),
    fromBeginning: true,
    rebalance: { onAssigned: () => {}, onRevoked: () => {} },
  });
  try {
    await consumer.subscribe([topic]);
    return await pollUntil(
      consumer,
      (records) => records.length >= total,
      timeoutMs,
      `${total} records of ${topic}`,
    );
  } finally {
    await consumer.close();
  }
}
