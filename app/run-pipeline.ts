import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '../core/logger.ts';
import { FRAUD_FEATURES, InferencePool, loadModelManifest, loadModelRow } from '../processors/infer/index.ts';
import { codecs, SchemaRegistryClient } from '../schemas/index.ts';
import { RedisPredictionSink } from '../sinks/redis/index.ts';
import { LiveServer } from '../sinks/websocket/index.ts';
import { EmbeddedTransport } from '../streams/embedded/index.ts';
import type { Transport } from '../streams/index.ts';
import { createKafkaTransport } from '../streams/kafka/index.ts';
import { Topologies } from '../streams/pipeline/index.ts';
import type { SluiceConfig } from './config/index.ts';
import { GeneratedEventSource } from './event-source.ts';
import { registerHttpEndpoints } from './http-endpoints.ts';
import { openFeatureStore } from './open-feature-store.ts';
import { buildScoringTopology, type ScoringTopology } from './scoring-topology.ts';
import { startStatusLine } from './status-line.ts';

/** A started pipeline; `stop` is the graceful path SIGINT/SIGTERM take. */
export interface RunningPipeline {
  topology: ScoringTopology;
  server: LiveServer;
  transport: Transport;
  source: GeneratedEventSource | undefined;
  stop(): Promise<{ drained: boolean }>;
}

/** Parts a caller may supply instead of the ones config describes (tests share one embedded broker). */
export interface PipelineOverrides {
  transport?: Transport;
}

/**
 * Composes the pipeline from config: transport, feature store, model, live server, topology and the
 * built-in generator. Only wiring lives here; every behaviour belongs to a component. The
 * transport comes first, so a missing Kafka client library fails before anything has started.
 */
export async function runPipeline(
  config: SluiceConfig,
  logger: Logger,
  overrides: PipelineOverrides = {},
): Promise<RunningPipeline> {
  const transport = overrides.transport ?? (await createTransport(config, logger));
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sluice_' });

  // The input row first: a row file that cannot serve fails before anything has been opened.
  const manifest = await loadModelManifest(config.model.manifest);
  const row = loadModelRow(manifest, codecs.event.type.schema());
  const featureStore = await openFeatureStore(config, logger, registry);
  const scorer = await InferencePool.create({
    manifestPath: config.model.manifest,
    providers: config.model.providers,
    workers: config.model.workers,
    intraOpThreads: config.model.intraOpThreads,
    warmupBatchSize: config.model.warmupBatchSize,
    manifest,
    // A declared row was already checked against the manifest's features; the hand-written one is not.
    expectedFeatures: row ? undefined : FRAUD_FEATURES,
    logger,
  });
  logger.info(scorer.info, 'model loaded and warmed up');

  let server: LiveServer;
  try {
    server = await LiveServer.start({
      ...config.websocket,
      port: config.port,
      host: config.host,
      logger,
      metrics: registry,
    });
  } catch (error) {
    await scorer.close();
    throw error;
  }

  let predictionStore: RedisPredictionSink | undefined;
  try {
    if (config.sinks.redis.enabled) {
      predictionStore = await RedisPredictionSink.connect(config.sinks.redis, logger);
      logger.info({ keyTemplate: config.sinks.redis.keyTemplate }, 'redis prediction sink ready');
    }
  } catch (error) {
    await Promise.allSettled([scorer.close(), server.close()]);
    throw error;
  }

  const topology = buildScoringTopology({
    transport,
    config,
    schemaRegistry: config.schemaRegistry.url
      ? new SchemaRegistryClient({ ...config.schemaRegistry, url: config.schemaRegistry.url })
      : undefined,
    featureStore,
    scorer,
    vector: row,
    liveFeed: server,
    predictionStore,
    registry,
    logger,
    onFatal: (error) => {
      logger.fatal({ err: error }, 'pipeline failed; exiting');
      process.exitCode = 1;
      void stop().finally(() => process.exit(1));
    },
  });
  // In feed order: a topology before those that consume its output (they start and stop in it).
  const topologies = new Topologies([topology]);
  registerHttpEndpoints(server, registry, {
    ready: () => topologies.isConsuming() && topology.isReady(),
    details: () => ({
      transport: transport.kind,
      model: scorer.info,
      ...topology.readiness(),
      inFlight: topology.gate.count,
      paused: topology.paused,
    }),
  });
  await topologies.start();

  const generatorOn = config.generator.enabled ?? transport.kind === 'embedded';
  const source = generatorOn
    ? new GeneratedEventSource({ transport, topic: config.topics.events, ...config.generator, logger })
    : undefined;
  await source?.start();
  const stopStatus = startStatusLine(topology, config.status.intervalMs, logger);
  logger.info(
    {
      port: server.port,
      websocket: `ws://localhost:${server.port}/ws`,
      dashboard: `http://localhost:${server.port}/`,
    },
    'sluice is running',
  );

  let stopping: Promise<{ drained: boolean }> | undefined;
  function stop(): Promise<{ drained: boolean }> {
    stopping ??= (async () => {
      stopStatus();
      await source?.stop();
      const result = await topologies.stop(config.shutdown.timeoutMs);
      await predictionStore?.close();
      await scorer.close();
      await server.close();
      await featureStore.close();
      if (!overrides.transport) await transport.close();
      return result;
    })();
    return stopping;
  }
  return { topology, server, transport, source, stop };
}

/**
 * Runs first, before the feature store, the model and the port: the Confluent client is an
 * optional native dependency, so where it is missing or unbuilt this loads it up front and fails
 * with its ConfigError (naming `transport.kafka.client` and the fix, exit 2) rather than after
 * everything else has started.
 */
async function createTransport(config: SluiceConfig, logger: Logger): Promise<Transport> {
  if (config.transport.kind === 'kafka') {
    if (config.transport.kafka.client === 'confluent') {
      const { loadRdKafka } = await import('../streams/kafka/confluent/index.ts');
      await loadRdKafka();
    }
    return createKafkaTransport(config.transport.kafka, logger);
  }
  return new EmbeddedTransport({ retentionRecords: config.transport.embedded.retentionRecords });
}
