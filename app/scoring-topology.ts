import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { preciseNowMs } from '../core/clock.ts';
import { ConfigError, errorMessage, isRetriable, RecordError, SluiceError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { backoffDelayMs, sleep } from '../core/retry.ts';
import { MicroBatcher } from '../processors/batch/index.ts';
import { createEventDecoder, prefetchWriterSchemas } from '../processors/decode/index.ts';
import {
  deadLetterRecord,
  predictionRecord,
  toDeadLetter,
  toPrediction,
} from '../processors/encode/index.ts';
import { createEnricher, type FeatureStore, type FeatureViewSpec } from '../processors/enrich/index.ts';
import { newScoringItem, type ScoringItem } from '../processors/scoring-item.ts';
import {
  codecs,
  type DeadLetter,
  frameWithSchemaId,
  type Prediction,
  type SchemaRegistryClient,
} from '../schemas/index.ts';
import { type BatchSink, TopicSink } from '../sinks/index.ts';
import {
  type ConsumedRecord,
  ConsumerLoop,
  InFlightGate,
  OrderedBatchRunner,
  type OutgoingRecord,
  type ProducerClient,
  type TransactionalProducerClient,
  type Transport,
} from '../streams/index.ts';
import type { SluiceConfig } from './config/index.ts';
import { LatencyRecorder } from './latency-recorder.ts';
import { PipelineMetrics } from './pipeline-metrics.ts';
import type { FeatureVector, LiveFeed, Scorer } from './scoring-ports.ts';

/** Everything the scoring topology is built from. `main` passes real parts; tests pass embedded ones. */
export interface ScoringTopologyParts {
  transport: Transport;
  config: Pick<SluiceConfig, 'topics' | 'consumer' | 'decode' | 'batch' | 'features'> &
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

/** Running totals since start, for the status line, the bench and tests. */
export interface TopologyTotals {
  consumed: number;
  predictions: number;
  deadLetters: number;
  batches: number;
}

/**
 * The scoring pipeline: events topic → decode → micro-batch → enrich → infer → predictions topic,
 * prediction store (optional), dead-letter topic and live feed. Built by `buildScoringTopology`; `start` joins the consumer group,
 * `stop` drains in-flight batches and commits.
 */
export class ScoringTopology {
  readonly totals: TopologyTotals = { consumed: 0, predictions: 0, deadLetters: 0, batches: 0 };
  readonly latency: LatencyRecorder;
  readonly gate: InFlightGate;
  readonly #parts: ScoringTopologyParts;
  readonly #metrics: PipelineMetrics | undefined;
  readonly #decode: ReturnType<typeof createEventDecoder>;
  readonly #enrich: ReturnType<typeof createEnricher>;
  readonly #batcher: MicroBatcher<ScoringItem>;
  readonly #runner: OrderedBatchRunner<ScoringItem[], void>;
  #producer: ProducerClient | undefined;
  #predictionSink!: TopicSink;
  #deadLetterSink!: TopicSink;
  #loop: ConsumerLoop | undefined;
  /** The ack step of the last delivered batch; each batch's ack waits for it. */
  #acked: Promise<void> = Promise.resolve();
  /** The prediction-store write of the last delivered batch; each batch's write starts after it. */
  #stored: Promise<void> = Promise.resolve();
  #stopping = false;
  /** Aborted once stop has waited its drain budget: releases batches held for the feature store. */
  readonly #shutdown = new AbortController();
  /** Registry ids the outputs are framed with; undefined without a registry. */
  #outputSchemaIds: { prediction: number; deadLetter: number } | undefined;

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
      deliver: (_, items) => this.#deliver(items),
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
    await transport.ensureTopics(
      [topics.events, topics.predictions, topics.deadLetters, topics.drift].map((topic) => ({
        topic,
        partitions: topics.partitions,
      })),
    );
    if (this.#parts.schemaRegistry) {
      this.#outputSchemaIds = {
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
    this.#predictionSink = new TopicSink(this.#producer, topics.predictions);
    this.#deadLetterSink = new TopicSink(this.#producer, topics.deadLetters);
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

  /** True once consuming and while polls succeed. */
  isReady(): boolean {
    return (
      this.#loop !== undefined &&
      !this.#stopping &&
      this.#loop.isConsuming() &&
      this.#parts.transport.isConnected()
    );
  }

  get paused(): boolean {
    return this.#loop?.paused ?? false;
  }

  /** Stops fetching, flushes the open batch, waits for in-flight records (bounded), commits, leaves the group. */
  async stop(timeoutMs: number): Promise<{ drained: boolean }> {
    this.#stopping = true;
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
  async #withWriterSchemas(records: ConsumedRecord[], registry: SchemaRegistryClient): Promise<void> {
    const inputs = records.map((r) => r.record);
    for (let attempt = 0; ; attempt++) {
      try {
        return await prefetchWriterSchemas(inputs, registry);
      } catch (error) {
        if (!isRetriable(error) || this.#stopping) throw error;
        this.#parts.logger.warn({ err: error, attempt }, 'schema registry lookup failed; retrying');
        await sleep(
          backoffDelayMs(Math.min(attempt, 8), {
            initialDelayMs: 100,
            maxDelayMs: 5000,
            factor: 2,
            jitter: 0.2,
          }),
        );
      }
    }
  }

  #decodeAll(records: ConsumedRecord[]): void {
    this.totals.consumed += records.length;
    this.#metrics?.consumed.inc(records.length);
    let failed: Array<{ consumed: ConsumedRecord; error: RecordError }> | undefined;
    const now = Date.now();
    for (let i = 0; i < records.length; i++) {
      const consumed = records[i]!;
      const decoded = this.#decode(consumed.record, now);
      if (decoded instanceof RecordError) {
        failed ??= [];
        failed.push({ consumed, error: decoded });
      } else this.#batcher.add(newScoringItem(consumed, decoded));
    }
    if (failed) void this.#routeDeadLetters(failed);
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
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#parts.scorer.infer(matrix, rows);
      } catch (error) {
        if (attempt >= 3 || !isRetriable(error)) {
          this.#parts.logger.error(
            { err: error, rows },
            'inference failed; routing the batch to the dead-letter topic',
          );
          return new RecordError('infer', 'SLUICE_INFER_FAILED', `inference failed: ${errorMessage(error)}`, {
            cause: error,
          });
        }
        await sleep(
          backoffDelayMs(attempt, { initialDelayMs: 50, maxDelayMs: 1000, factor: 2, jitter: 0.2 }),
        );
      }
    }
  }

  async #deliver(items: ScoringItem[]): Promise<void> {
    const { scorer, liveFeed } = this.#parts;
    const now = preciseNowMs();
    const predictions: Prediction[] = [];
    const scored: ScoringItem[] = [];
    let failed: Array<{ consumed: ConsumedRecord; error: RecordError }> | undefined;
    for (const item of items) {
      if (item.error) {
        failed ??= [];
        failed.push({ consumed: item.consumed, error: item.error });
        continue;
      }
      predictions.push(toPrediction(item, scorer.model, scorer.version, scorer.decisionThreshold, now));
      scored.push(item);
      if (item.missing.length > 0)
        for (const feature of item.missing) this.#metrics?.featuresDefaulted.inc({ feature });
    }
    const values = this.#frame(codecs.prediction.encodeBatch(predictions), this.#outputSchemaIds?.prediction);
    const records = new Array<OutgoingRecord>(predictions.length);
    for (let i = 0; i < predictions.length; i++)
      records[i] = predictionRecord(predictions[i]!, values[i]!, scored[i]!.consumed.record);
    const deadLetters = failed ? this.#routeDeadLetters(failed) : undefined;
    // Handing the records to the producer is synchronous and in batch order, which keeps per-key
    // order; waiting for the broker's ack is not, so the next batch is handed over meanwhile and
    // several sends overlap. Acks are still applied in batch order, after the ack of the one before.
    const written = this.#writeWithRetry(this.#predictionSink, records);
    const stored = this.#storeInOrder(predictions);
    const acked = Promise.all([this.#acked, written, stored]).then(() => {
      for (const item of items) if (!item.error) item.consumed.ack();
      this.totals.predictions += predictions.length;
      this.#metrics?.predictions.inc(predictions.length);
      this.#recordLatency(items, preciseNowMs());
      liveFeed?.publishBatch('predictions', predictions);
      return deadLetters;
    });
    this.#acked = acked.then(
      () => undefined,
      (error: unknown) => this.#fatal(error),
    );
  }

  /**
   * The store keeps only the latest prediction per key, so its writes must land in batch order: a
   * batch is written once the one before is confirmed, and a retried batch can never overwrite a newer
   * one. Writes to a topic need no such chain, since the log keeps every record.
   */
  #storeInOrder(predictions: Prediction[]): Promise<void> {
    const store = this.#parts.predictionStore;
    if (!store || predictions.length === 0) return Promise.resolve();
    const stored = this.#stored.then(() => this.#writeWithRetry(store, predictions));
    this.#stored = stored.catch(() => undefined);
    return stored;
  }

  async #routeDeadLetters(failed: Array<{ consumed: ConsumedRecord; error: RecordError }>): Promise<void> {
    const now = Date.now();
    const letters: DeadLetter[] = [];
    const records: OutgoingRecord[] = [];
    for (const { consumed, error } of failed) {
      const letter = toDeadLetter(consumed.record, error, now);
      letters.push(letter);
      const record = deadLetterRecord(letter, consumed.record);
      const schemaId = this.#outputSchemaIds?.deadLetter;
      if (schemaId !== undefined && record.value) record.value = frameWithSchemaId(schemaId, record.value);
      records.push(record);
      this.#metrics?.deadLetters.inc({ stage: letter.stage, code: letter.error_class });
    }
    await this.#writeWithRetry(this.#deadLetterSink, records);
    for (const { consumed } of failed) consumed.ack();
    this.totals.deadLetters += failed.length;
    const liveFeed = this.#parts.liveFeed;
    if (liveFeed?.hasSubscribers('deadletters')) {
      liveFeed.publishBatch(
        'deadletters',
        letters.map(({ original_key: _k, original_value: _v, ...rest }) => rest),
      );
    }
  }

  /** A sink is retried until it succeeds: its inputs stay unacked (uncommitted) meanwhile, so nothing is lost. */
  async #writeWithRetry<T>(sink: BatchSink<T>, records: T[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const started = performance.now();
      try {
        await sink.write(records);
        this.#metrics?.sinkWriteSeconds.observe({ sink: sink.name }, (performance.now() - started) / 1000);
        return;
      } catch (error) {
        this.#metrics?.sinkFailures.inc({ sink: sink.name });
        if (!isRetriable(error)) throw error;
        this.#metrics?.sinkRetries.inc({ sink: sink.name });
        const delayMs = backoffDelayMs(Math.min(attempt, 8), {
          initialDelayMs: 50,
          maxDelayMs: 5000,
          factor: 2,
          jitter: 0.2,
        });
        this.#parts.logger.warn(
          { err: error, sink: sink.name, attempt, retryInMs: delayMs },
          'sink write failed; retrying',
        );
        await sleep(delayMs);
      }
    }
  }

  #frame(values: Buffer[], schemaId: number | undefined): Buffer[] {
    if (schemaId === undefined) return values;
    return values.map((value) => frameWithSchemaId(schemaId, value));
  }

  #recordLatency(items: ScoringItem[], outputTimeMs: number): void {
    let runStart = -1;
    let runLength = 0;
    for (const item of items) {
      if (item.error) continue;
      const ingest = item.consumed.ingestTimeMs;
      if (ingest === runStart) runLength++;
      else {
        if (runLength > 0) this.latency.record(outputTimeMs - runStart, runLength);
        runStart = ingest;
        runLength = 1;
      }
    }
    if (runLength > 0) this.latency.record(outputTimeMs - runStart, runLength);
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
