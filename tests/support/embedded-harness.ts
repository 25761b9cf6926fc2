import type { Registry } from 'prom-client';
import { configSchema, type SluiceConfig } from '../../app/config/index.ts';
import { buildScoringTopology, type ScoringTopology } from '../../app/scoring-topology.ts';
import type { ScoringParts } from '../../app/topologies/scoring.ts';
import { silentLogger } from '../../core/logger.ts';
import { TransactionGenerator } from '../../models/generator/index.ts';
import { type FeatureStore, MemoryFeatureStore } from '../../processors/enrich/index.ts';
import type { Scorer } from '../../processors/infer/index.ts';
import { fraudBundle, InferencePool } from '../../processors/infer/index.ts';

const FRAUD_FEATURES = fraudBundle().manifest.features;

import { codecs, type DeadLetter, type Prediction, type SchemaRegistryClient } from '../../schemas/index.ts';
import type { BatchSink } from '../../sinks/index.ts';
import { EmbeddedTransport } from '../../streams/embedded/index.ts';
import type { OutgoingRecord } from '../../streams/index.ts';
import { fatalErrors } from './fatal-errors.ts';

export { waitFor } from './wait-for.ts';

/** A deep-partial config section list, as a test would write it in a file. */
export type ConfigInput = Record<string, unknown>;

export function testConfig(input: ConfigInput = {}): SluiceConfig {
  return configSchema.parse(input);
}

let sharedPool: Promise<InferencePool> | undefined;

/** One warmed-up model per test file: loading it per test would dominate the suite's time. */
export function sharedScorer(): Promise<InferencePool> {
  sharedPool ??= InferencePool.create({
    manifestPath: 'models/fraud/manifest.json',
    expectedFeatures: FRAUD_FEATURES,
    logger: silentLogger,
  });
  return sharedPool;
}

export async function closeSharedScorer(): Promise<void> {
  if (sharedPool) await (await sharedPool).close();
  sharedPool = undefined;
}

/**
 * A topology on a fresh embedded broker with the real model and the seeded feature store. A fatal
 * error it reports fails the running test (see fatal-errors.ts); `fatalErrors.take()` is for a
 * test that expects one.
 */
export async function startEmbeddedTopology(
  options: {
    config?: ConfigInput;
    scorer?: Scorer;
    transport?: EmbeddedTransport;
    schemaRegistry?: SchemaRegistryClient;
    predictionStore?: BatchSink<Prediction>;
    registry?: Registry;
    /** Instead of the store the config describes: e.g. a Redis store the test opened. */
    featureStore?: FeatureStore;
    /** Another bundle's parts (default: the fraud example's). */
    model?: Pick<ScoringParts, 'contract' | 'featureView' | 'vector'>;
  } = {},
) {
  const config = testConfig(options.config);
  const transport = options.transport ?? new EmbeddedTransport();
  const featureStore = options.featureStore ?? (await MemoryFeatureStore.fromJsonl(config.features.seedFile));
  const scorer = options.scorer ?? (await sharedScorer());
  const topology: ScoringTopology = buildScoringTopology({
    transport,
    config,
    schemaRegistry: options.schemaRegistry,
    predictionStore: options.predictionStore,
    registry: options.registry,
    featureStore,
    scorer,
    ...options.model,
    logger: silentLogger,
    onFatal: fatalErrors.onFatal,
  });
  await topology.start();
  return { config, transport, topology, fatalErrors };
}

/** Generated, Avro-encoded events keyed by user, as a producer would publish them. */
export function generatedRecords(
  count: number,
  seed = 7,
  users = 500,
): Array<{ record: OutgoingRecord; eventId: string; key: string }> {
  const generator = new TransactionGenerator({
    seed,
    users,
    startTimeMs: Date.now() - 3_600_000,
    eventsPerSecond: 1000,
  });
  return generator.take(count).map(({ event }) => ({
    record: { key: event.key, value: codecs.event.encode(event) },
    eventId: event.event_id,
    key: event.key,
  }));
}

export function readPredictions(transport: EmbeddedTransport, topic = 'predictions'): Prediction[] {
  return transport.readAll(topic).map((r) => codecs.prediction.type.fromBuffer(r.value!) as Prediction);
}

export function readDeadLetters(
  transport: EmbeddedTransport,
  topic = 'events.dlq',
): Array<{ letter: DeadLetter; headers: Record<string, string> }> {
  return transport.readAll(topic).map((r) => ({
    letter: codecs.deadLetter.type.fromBuffer(r.value!) as DeadLetter,
    headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, v.toString()])),
  }));
}
