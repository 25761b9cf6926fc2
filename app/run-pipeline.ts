import { collectDefaultMetrics, Registry } from 'prom-client';
import type { Logger } from '../core/logger.ts';
import { InferencePool } from '../processors/infer/index.ts';
import { SchemaRegistryClient } from '../schemas/index.ts';
import { RedisPredictionSink } from '../sinks/redis/index.ts';
import { LiveServer } from '../sinks/websocket/index.ts';
import type { Transport } from '../streams/index.ts';
import { Topologies } from '../streams/pipeline/index.ts';
import type { SluiceConfig } from './config/index.ts';
import { loadConfiguredModel } from './configured-model.ts';
import { checkTransportClient, createTransport } from './create-transport.ts';
import { buildDriftParts, type DriftParts } from './drift-parts.ts';
import { GeneratedEventSource } from './event-source.ts';
import { FileEventSource } from './file-event-source.ts';
import { registerHttpEndpoints } from './http-endpoints.ts';
import { openFeatureStore } from './open-feature-store.ts';
import { PipelineStatsSampler } from './pipeline-stats.ts';
import { buildScoringTopology, type ScoringTopology } from './scoring-topology.ts';
import { startStatusLine } from './status-line.ts';

/** After the work already started this tick: a module import that blocks the thread goes last. */
function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A started pipeline; `stop` is the graceful path SIGINT/SIGTERM take. */
export interface RunningPipeline {
  topology: ScoringTopology;
  /** The drift tap and aggregator, when the bundle has a drift profile and `drift.enabled`. */
  drift: DriftParts | undefined;
  server: LiveServer;
  transport: Transport;
  source: GeneratedEventSource | FileEventSource | undefined;
  stop(): Promise<{ drained: boolean }>;
}

/** Parts a caller may supply instead of the ones config describes (tests share one embedded broker). */
export interface PipelineOverrides {
  transport?: Transport;
}

/**
 * Composes the pipeline from config: transport, feature store, model, live server, topology and the
 * built-in generator. Only wiring lives here; every behaviour belongs to a component. The
 * transport's client library is checked first, so a missing one fails before anything has started.
 */
export async function runPipeline(
  configured: SluiceConfig,
  logger: Logger,
  overrides: PipelineOverrides = {},
): Promise<RunningPipeline> {
  if (!overrides.transport) await checkTransportClient(configured);
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'sluice_' });

  // The contract and the bundle first: a schema, manifest or row that cannot serve fails before
  // anything has been opened. From here on the features config has the bundle's view bound in.
  const { contract, bundle, features } = loadConfiguredModel(configured);
  const config: SluiceConfig = { ...configured, features };
  // The store's connection, the model's load and warm-up (a worker thread) and the Kafka client's
  // module (@platformatic/kafka compiles its option schemas on import, ~0.3 s of this thread) at
  // once: startup waits for the slowest, not the sum. Whichever fails, the others are closed.
  const [created, opened, loaded] = await Promise.allSettled([
    overrides.transport ?? nextTick().then(() => createTransport(configured, logger)),
    openFeatureStore(config, logger, registry, process.env, bundle.featureView),
    InferencePool.create({
      manifestPath: config.model.manifest,
      providers: config.model.providers,
      workers: config.model.workers,
      intraOpThreads: config.model.intraOpThreads,
      warmupBatchSize: config.model.warmupBatchSize,
      manifest: bundle.manifest,
      logger,
    }),
  ]);
  if (created.status === 'rejected' || opened.status === 'rejected' || loaded.status === 'rejected') {
    await Promise.allSettled([
      created.status === 'fulfilled' && !overrides.transport ? created.value.close() : undefined,
      opened.status === 'fulfilled' ? opened.value.close() : undefined,
      loaded.status === 'fulfilled' ? loaded.value.close() : undefined,
    ]);
    const failed = [created, opened, loaded].find((r) => r.status === 'rejected') as PromiseRejectedResult;
    throw failed.reason;
  }
  const transport = created.value;
  const featureStore = opened.value;
  const scorer = loaded.value;
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

  const onFatal = (error: unknown) => {
    logger.fatal({ err: error }, 'pipeline failed; exiting');
    process.exitCode = 1;
    void stop().finally(() => process.exit(1));
  };
  const drift = buildDriftParts({
    config,
    bundle,
    scorer,
    transport,
    liveFeed: server,
    registry,
    logger,
    onFatal,
  });
  if (drift)
    logger.info(
      {
        windowMs: config.drift.windowMs,
        numeric: drift.columns.numericNames.length,
        categorical: drift.columns.categoricalNames.length,
        aggregator: drift.aggregator !== undefined,
      },
      'drift windows on',
    );
  const topology = buildScoringTopology({
    transport,
    config,
    schemaRegistry: config.schemaRegistry.url
      ? new SchemaRegistryClient({ ...config.schemaRegistry, url: config.schemaRegistry.url })
      : undefined,
    featureStore,
    scorer,
    contract,
    featureView: bundle.featureView,
    vector: bundle.row,
    liveFeed: server,
    predictionStore,
    driftTap: drift?.tap,
    registry,
    logger,
    onFatal,
  });
  // In feed order: a topology before those that consume its output (they start and stop in it).
  const topologies = new Topologies([topology, ...(drift?.aggregator ? [drift.aggregator] : [])]);
  registerHttpEndpoints(server, registry, {
    ready: () => topologies.isConsuming() && topology.isReady(),
    details: () => ({
      transport: transport.kind,
      model: scorer.info,
      ...topology.readiness(),
      inFlight: topology.gate.count,
      paused: topology.paused,
    }),
    model: () => {
      const { name, version, kind, scoreRange, decisionThreshold, classes, features } = bundle.manifest;
      return {
        name,
        version: scorer.version || version,
        kind,
        scoreRange,
        decisionThreshold,
        classes,
        features,
      };
    },
  });
  await topologies.start();

  const generatorOn = config.generator.enabled ?? transport.kind === 'embedded';
  const { file, ...generator } = config.generator;
  const source = !generatorOn
    ? undefined
    : file
      ? new FileEventSource({ transport, topic: config.topics.events, file, contract, ...generator, logger })
      : new GeneratedEventSource({ transport, topic: config.topics.events, ...generator, logger });
  await source?.start();
  const stats = new PipelineStatsSampler({
    topology,
    transport,
    groupId: config.consumer.groupId,
    topics: [config.topics.events],
    liveFeed: server,
    logger,
  }).start();
  const stopStatus = startStatusLine(stats, config.status.intervalMs, logger);
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
      stats.stop();
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
  return { topology, drift, server, transport, source, stop };
}
