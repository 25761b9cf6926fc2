import { randomBytes } from 'node:crypto';
import type { SluiceConfig } from '../../app/config/index.ts';
import {
  buildScoringTopology,
  type ScoringTopology,
  type ScoringTopologyParts,
} from '../../app/scoring-topology.ts';
import { silentLogger } from '../../core/logger.ts';
import { MemoryFeatureStore } from '../../processors/enrich/index.ts';
import { codecs, type Prediction } from '../../schemas/index.ts';
import type { InputRecord, OutgoingRecord, Transport } from '../../streams/index.ts';
import { createKafkaTransport } from '../../streams/kafka/index.ts';
import { type ConfigInput, sharedScorer, testConfig } from './embedded-harness.ts';
import { fatalErrors } from './fatal-errors.ts';

export type KafkaClient = 'confluent' | 'platformatic' | 'kafkajs';
/** Every adapter: the delivery-critical integration tests run with each of them. */
export const KAFKA_CLIENTS: KafkaClient[] = ['platformatic', 'confluent', 'kafkajs'];
/** The default `transport.kafka.client`: the rest of the integration tier runs with it alone. */
export const DEFAULT_KAFKA_CLIENT: KafkaClient = 'platformatic';

/** The broker the suite runs against; `npm test` provisions one and exports it. Never skipped. */
export function kafkaBrokers(): string[] {
  const brokers = process.env.KAFKA_BROKERS;
  if (!brokers) {
    throw new Error(
      'KAFKA_BROKERS is not set: run `npm test` (it provisions Kafka), or `npm run services -- up && source .sluice/services/env`',
    );
  }
  return brokers.split(',');
}

/** Fresh topic names and a group id per scenario, so reruns and parallel files never collide. */
export function uniqueNames(prefix: string) {
  const suffix = `${prefix}-${randomBytes(4).toString('hex')}`;
  return {
    topics: {
      events: `events-${suffix}`,
      predictions: `predictions-${suffix}`,
      deadLetters: `dlq-${suffix}`,
      drift: `drift-${suffix}`,
    },
    groupId: `sluice-${suffix}`,
  };
}

/** The environment that points a CLI child at a scenario's topics and group (6 partitions). */
export function scenarioEnv(names: ReturnType<typeof uniqueNames>): Record<string, string> {
  return {
    KAFKA_BROKERS: kafkaBrokers().join(','),
    SLUICE_TOPICS__EVENTS: names.topics.events,
    SLUICE_TOPICS__PREDICTIONS: names.topics.predictions,
    SLUICE_TOPICS__DEAD_LETTERS: names.topics.deadLetters,
    SLUICE_TOPICS__DRIFT: names.topics.drift,
    SLUICE_TOPICS__PARTITIONS: '6',
    SLUICE_CONSUMER__GROUP_ID: names.groupId,
  };
}

export function kafkaConfig(
  client: KafkaClient,
  names: ReturnType<typeof uniqueNames>,
  extra: ConfigInput = {},
): SluiceConfig {
  const { consumer, topics, transport, ...rest } = extra as {
    consumer?: object;
    topics?: object;
    transport?: object;
  };
  return testConfig({
    ...rest,
    transport: { kind: 'kafka', kafka: { brokers: kafkaBrokers(), client }, ...(transport ?? {}) },
    topics: { ...names.topics, partitions: 6, ...(topics ?? {}) },
    consumer: { groupId: names.groupId, commitIntervalMs: 200, ...(consumer ?? {}) },
  });
}

export function openTransport(config: SluiceConfig): Promise<Transport> {
  return createKafkaTransport(config.transport.kafka, silentLogger);
}

/**
 * The scoring topology on a Kafka transport with the real model and the seeded feature store. A
 * fatal error it reports fails the running test (see fatal-errors.ts).
 */
export async function startKafkaTopology(
  config: SluiceConfig,
  transport: Transport,
  extra: Partial<ScoringTopologyParts> = {},
): Promise<ScoringTopology> {
  const topology = buildScoringTopology({
    ...extra,
    transport,
    config,
    featureStore: await MemoryFeatureStore.fromJsonl(config.features.seedFile),
    scorer: await sharedScorer(),
    logger: silentLogger,
    onFatal: fatalErrors.onFatal,
  });
  await topology.start();
  return topology;
}

export async function produceAll(
  transport: Transport,
  topic: string,
  records: OutgoingRecord[],
  chunk = 5000,
): Promise<void> {
  const producer = await transport.createProducer();
  for (let i = 0; i < records.length; i += chunk) await producer.send(topic, records.slice(i, i + chunk));
  await producer.close();
}

/**
 * Produces `records` in chunks at about `perSecond`, so a pipeline is demonstrably mid-stream while
 * it runs; resolves when all are acknowledged.
 */
export async function producePaced(
  transport: Transport,
  topic: string,
  records: OutgoingRecord[],
  perSecond: number,
): Promise<void> {
  const producer = await transport.createProducer();
  const chunk = Math.max(1, Math.round(perSecond / 20));
  const started = Date.now();
  for (let i = 0; i < records.length; i += chunk) {
    await producer.send(topic, records.slice(i, i + chunk));
    const due = started + ((i + chunk) / perSecond) * 1000;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
  }
  await producer.close();
}

/** Reads a topic from the beginning with a throwaway group until `expected` records arrived and the topic went quiet. */
export async function readTopic(
  transport: Transport,
  topic: string,
  expected: number,
  timeoutMs: number,
): Promise<InputRecord[]> {
  const consumer = await transport.createConsumer({
    groupId: `reader-${randomBytes(4).toString('hex')}`,
    fromBeginning: true,
    rebalance: { onAssigned: () => {}, onRevoked: () => {} },
  });
  await consumer.subscribe([topic]);
  const records: InputRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  let quietSince = Date.now();
  try {
    while (Date.now() < deadline) {
      const batch = await consumer.poll(5000, 200);
      if (batch.length > 0) {
        records.push(...batch);
        quietSince = Date.now();
      } else if (records.length >= expected && Date.now() - quietSince > 1000) break;
    }
  } finally {
    await consumer.close();
  }
  return records;
}

export function decodePredictions(records: InputRecord[]): Prediction[] {
  return records.map((r) => codecs.prediction.type.fromBuffer(r.value!) as Prediction);
}

/** Checks each key's predictions follow the order its events were produced in; returns the first violation. */
export function firstKeyOrderViolation(
  predictions: Prediction[],
  produceOrder: Map<string, number>,
): string | undefined {
  const last = new Map<string, number>();
  for (const p of predictions) {
    const index = produceOrder.get(p.event_id);
    if (index === undefined) return `unknown event ${p.event_id}`;
    if (index <= (last.get(p.key) ?? -1)) return `key ${p.key}: ${p.event_id} after a later event`;
    last.set(p.key, index);
  }
  return undefined;
}
