import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { ConfigError, errorMessage, RecordError, SluiceError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { retry } from '../core/retry.ts';
import { createEventDecoder, prefetchWriterSchemas } from '../processors/decode/index.ts';
import { assertDeadLettersFit, deadLetterTopicSpec } from '../processors/encode/index.ts';
import { createEnricher, type FeatureStore, type FeatureViewSpec } from '../processors/enrich/index.ts';
import { newScoringItem, type ScoringItem } from '../processors/scoring-item.ts';
import { codecs, type Prediction, type SchemaRegistryClient } from '../schemas/index.ts';
import type { BatchSink } from '../sinks/index.ts';
import {
  type ConsumedRecord,
  ConsumerLoop,
  InFlightGate,
  type ProducerClient,
  type TransactionalProducerClient,
  type Transport,
} from '../streams/index.ts';
import { LatencyRecorder, MicroBatcher, OrderedBatchRunner } from '../streams/pipeline/index.ts';
import type { SluiceConfig } from './config/index.ts';
import { PipelineMetrics } from './pipeline-metrics.ts';
import {
  type FailedRecord,
  ScoringOutput,
  type ScoringOutputParts,
  type TopologyTotals,
} from './scoring-output.ts';
import type { FeatureVector, LiveFeed, Scorer } from './scoring-ports.ts';

export type { TopologyTotals };

// The registry is retried until it answers (the poll's records wait); inference three more times,
// after which the batch becomes dead letters.
const REGISTRY_RETRY = {
  retries: Number.POSITIVE_INFINITY,
  initialDelayMs: 100,
  maxDelayMs: 5000,
  factor: 2,
  jitter: 0.2,
};
const INFER_RETRY = { retries: 3, initialDelayMs: 50, maxDelayMs: 1000, factor: 2, jitter: 0.2 };

/** Everything the scoring topology is built from. `main` passes real parts; tests pass embedded ones. */
export interface ScoringTopologyParts {
  transport: Transport;
  config: Pick<SluiceConfig, 'topics' | 'consumer' | 'decode' | 'deadLetters' | 'batch' | 'features'> &
    Partial<Pick<SluiceConfig, 'delivery' | 'transport'>>;
  /** With a registry, inputs are read in the Confluent wire format and outputs written in it. */
  schemaRegistry?: SchemaRegistryClient | undefined;
  featureStore: FeatureStore;
  featureView: FeatureViewSpec;
  scorer: Scorer;
  vector: FeatureVector;
  liveFeed?: LiveFeed | undefined;
  /** Where the latest prediction per key is kept (Redis); each batch's ack also waits for its write. */
  predictionStore?: BatchSink<Prediction> | undefined;
  registry?: Registry | undefined;
  logger: Logger;
  /** An unrecoverable failure (a bug, or sinks failing past shutdown); default: log it. */
  onFatal?: ((error: unknown) => void) | undefined;
}

/**
 * The scoring pipeline: events topic → decode → micro-batch → enrich → infer → predictions topic,
 * prediction store (optional), dead-letter topic and live feed. Built by `buildScoringTopology`; `start` joins the consumer group,
 * `stop` drains in-flight batches and commits.
 */
export class ScoringTopology {
  readonly totals: TopologyTotals = {
    consumed: 0,
    predictions: 0,
    deadLetters: 0,
    batches: 0,
    firstConsumedAtMs: 0,
  };
  readonly latency: LatencyRecorder;
  readonly gate: InFlightGate;
  readonly #parts: ScoringTopologyParts;
  readonly #metrics: PipelineMetrics | undefined;
  readonly #decode: ReturnType<typeof createEventDecoder>;
  readonly #enrich: ReturnType<typeof createEnricher>;
  readonly #batcher: MicroBatcher<ScoringItem>;
  readonly #runner: OrderedBatchRunner<ScoringItem[], void>;
  #producer: ProducerClient | undefined;
  #output: ScoringOutput | undefined;
  #loop: ConsumerLoop | undefined;
  #stopping = false;
  /** Aborted as stop begins: retries against the schema registry give up. */
  readonly #stopSignal = new AbortController();
  /** Aborted once stop has waited its drain budget: releases batches held for the feature store. */
  readonly #shutdown = new AbortController();

  constructor(parts: ScoringTopologyParts) {
    this.#parts = parts;
    const { config, logger } = parts;
    this.gate = new InFlightGate(config.consumer.maxInFlight, config.consumer.resumeRatio);
    this.latency = new LatencyRecorder(parts.registry);
    this.#metrics = parts.registry
      ? new PipelineMetrics(parts.registry, {
          inFlight: () => this.gate.count,
          paused: () => this.#loop?.paused ?? false,
        })
      : undefined;
    this.#decode = createEventDecoder(config.decode, parts.schemaRegistry);
    this.#enrich = createEnricher(parts.featureStore, parts.featureView, config.features, logger, {
      signal: this.#shutdown.signal,
    });
    this.#runner = new OrderedBatchRunner<ScoringItem[], void>({
      maxConcurrent: config.batch.maxConcurrentBatches,
      process: (items) => this.#score(items),
      deliver: async (_, items) => this.#output!.deliver(items),
      onFatal: (error) => this.#fatal(error),
    });
    this.#batcher = new MicroBatcher<ScoringItem>(config.batch, (items, reason) => {
      this.totals.batches++;
      this.#metrics?.batchSize.observe({ reason }, items.length);
      this.#runner.submit(items);
    });
  }

  /** Creates the topics if missing, then joins the consumer group and starts consuming. */
  async start(): Promise<void> {
    const { transport, config, logger } = this.#parts;
    const { topics } = config;
    const { maxOriginalBytes } = config.deadLetters;
    await transport.ensureTopics([
      ...[topics.events, topics.predictions, topics.drift].map((topic) => ({
        topic,
        partitions: topics.partitions,
      })),
      deadLetterTopicSpec(topics.deadLetters, topics.partitions, maxOriginalBytes),
    ]);
    await assertDeadLettersFit(transport, topics.deadLetters, maxOriginalBytes);
    let outputSchemaIds: ScoringOutputParts['outputSchemaIds'];
    if (this.#parts.schemaRegistry) {
      outputSchemaIds = {
        prediction: await this.#parts.schemaRegistry.register(
          `${topics.predictions}-value`,
          codecs.prediction.type.schema(),
        ),
        deadLetter: await this.#parts.schemaRegistry.register(
          `${topics.deadLetters}-value`,
          codecs.deadLetter.type.schema(),
        ),
      };
    }
    const transaction = config.delivery === 'exactly-once' ? await this.#transactionalProducer() : undefined;
    this.#producer = transaction ?? (await transport.createProducer());
    this.#output = new ScoringOutput({
      producer: this.#producer,
      topics,
      maxOriginalBytes: config.deadLetters.maxOriginalBytes,
      scorer: this.#parts.scorer,
      outputSchemaIds,
      predictionStore: this.#parts.predictionStore,
      liveFeed: this.#parts.liveFeed,
      metrics: this.#metrics,
      latency: this.latency,
      totals: this.totals,
      logger,
      onFatal: (error) => this.#fatal(error),
    });
    this.#loop = await ConsumerLoop.start(transport, {
      ...config.consumer,
      topics: [topics.events],
      gate: this.gate,
      logger,
      handle: (records) => this.#handle(records),
      onFatal: (error) => this.#fatal(error),
      transaction,
    });
  }

  #transactionalProducer(): Promise<TransactionalProducerClient> {
    const { transport, config } = this.#parts;
    if (!transport.createTransactionalProducer) {
      throw new ConfigError(
        'SLUICE_CONFIG_INVALID',
        `delivery: exactly-once is not supported by the ${transport.kind} transport`,
        {
          subject: 'delivery',
        },
      );
    }
    const id = config.transport?.kafka.transactionalId ?? `${config.consumer.groupId}-${hostname()}`;
    return transport.createTransactionalProducer(id);
  }

  /**
   * `/readyz`: the consumer joined its group and holds its assignment (possibly empty), polls
   * succeed, the broker is reachable, and, under `features.redis.failure: hold` (where nothing is
   * scored without the store), the feature store answers.
   */
  isReady(): boolean {
    return (
      this.#loop !== undefined &&
      !this.#stopping &&
      this.#loop.isAssigned() &&
      this.#parts.transport.isConnected() &&
      this.#featureStoreServes()
    );
  }

  /** What `/readyz` reports beside its verdict. */
  readiness(): { assigned: boolean; brokerReachable: boolean; featureStoreServes: boolean } {
    return {
      assigned: this.#loop?.isAssigned() ?? false,
      brokerReachable: this.#parts.transport.isConnected(),
      featureStoreServes: this.#featureStoreServes(),
    };
  }

  #featureStoreServes(): boolean {
    if (this.#parts.config.features.redis.failure !== 'hold') return true;
    return this.#parts.featureStore.isAvailable?.() ?? true;
  }

  get paused(): boolean {
    return this.#loop?.paused ?? false;
  }

  /** Stops fetching, flushes the open batch, waits for in-flight records (bounded), commits, leaves the group. */
  async stop(timeoutMs: number): Promise<{ drained: boolean }> {
    this.#stopping = true;
    this.#stopSignal.abort();
    const deadline = Date.now() + timeoutMs;
    if (!this.#loop) return { drained: true };
    await this.#loop.stop();
    this.#batcher.flush();
    const drained = await this.#loop.close(Math.max(0, deadline - Date.now()));
    this.#shutdown.abort();
    await this.#producer?.close();
    return { drained };
  }

  #handle(records: ConsumedRecord[]): void | Promise<void> {
    const registry = this.#parts.schemaRegistry;
    if (registry) return this.#withWriterSchemas(records, registry).then(() => this.#decodeAll(records));
    this.#decodeAll(records);
  }

  /** Asks the registry for writer schemas this poll needs and has not seen; retries while it is unreachable. */
  #withWriterSchemas(records: ConsumedRecord[], registry: SchemaRegistryClient): Promise<void> {
    const inputs = records.map((r) => r.record);
    return retry(() => prefetchWriterSchemas(inputs, registry), {
      ...REGISTRY_RETRY,
      signal: this.#stopSignal.signal,
      onRetry: (error, attempt) =>
        this.#parts.logger.warn({ err: error, attempt }, 'schema registry lookup failed; retrying'),
    });
  }

  #decodeAll(records: ConsumedRecord[]): void {
    if (this.totals.firstConsumedAtMs === 0) this.totals.firstConsumedAtMs = records[0]!.ingestTimeMs;
    this.totals.consumed += records.length;
    this.#metrics?.consumed.inc(records.length);
    let failed: FailedRecord[] | undefined;
    const now = Date.now();
    for (let i = 0; i < records.length; i++) {
      const consumed = records[i]!;
      const decoded = this.#decode(consumed.record, now);
      if (decoded instanceof RecordError) {
        failed ??= [];
        failed.push({ consumed, error: decoded });
      } else this.#batcher.add(newScoringItem(consumed, decoded));
    }
    if (failed) void this.#output!.routeDeadLetters(failed);
  }

  async #score(items: ScoringItem[]): Promise<void> {
    const { vector } = this.#parts;
    let started = performance.now();
    const enriched = await this.#enrich(items);
    this.#metrics?.featureLookups.inc(enriched.lookups);
    this.#metrics?.stageSeconds.observe({ stage: 'enrich' }, (performance.now() - started) / 1000);

    const scorable = items.filter((item) => item.error === undefined);
    if (scorable.length === 0) return;
    const matrix = new Float32Array(scorable.length * vector.width);
    for (let i = 0; i < scorable.length; i++) {
      const item = scorable[i]!;
      vector.write(item.event, item.features, matrix, i * vector.width);
    }
    started = performance.now();
    const scores = await this.#inferWithRetry(matrix, scorable.length);
    this.#metrics?.stageSeconds.observe({ stage: 'infer' }, (performance.now() - started) / 1000);
    const now = Date.now();
    for (let i = 0; i < scorable.length; i++) {
      const item = scorable[i]!;
      if (scores instanceof RecordError) item.error = scores;
      else {
        item.score = scores[i]!;
        item.inferenceTimeMs = now;
      }
    }
  }

  async #inferWithRetry(matrix: Float32Array, rows: number): Promise<Float32Array | RecordError> {
    try {
      return await retry(() => this.#parts.scorer.infer(matrix, rows), INFER_RETRY);
    } catch (error) {
      this.#parts.logger.error(
        { err: error, rows },
        'inference failed; routing the batch to the dead-letter topic',
      );
      return new RecordError('infer', 'SLUICE_INFER_FAILED', `inference failed: ${errorMessage(error)}`, {
        cause: error,
      });
    }
  }

  #fatal(error: unknown): void {
    // A batch held for the feature store at shutdown: its records stay unacked, so uncommitted.
    if (this.#stopping && error instanceof SluiceError && error.code === 'SLUICE_SHUTDOWN') return;
    if (this.#parts.onFatal) this.#parts.onFatal(error);
    else this.#parts.logger.fatal({ err: error }, 'scoring topology failed');
  }
}

/** The public topology builder: `main`, the tests and the in-process load test all call it. */
export function buildScoringTopology(parts: ScoringTopologyParts): ScoringTopology {
  return new ScoringTopology(parts);
}
