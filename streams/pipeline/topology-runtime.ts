import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { Registry } from 'prom-client';
import { preciseNowMs } from '../../core/clock.ts';
import { ConfigError, RecordError, SluiceError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { retry } from '../../core/retry.ts';
import type { ConsumedRecord } from '../consumed-record.ts';
import { ConsumerLoop } from '../consumer-loop.ts';
import { InFlightGate } from '../inflight-gate.ts';
import type { ProducerClient, TransactionalProducerClient, Transport } from '../types.ts';
import { BatchingControl } from './batching-control.ts';
import { closeParts } from './close-parts.ts';
import { LatencyRecorder } from './latency-recorder.ts';
import { MicroBatcher } from './micro-batcher.ts';
import { OrderedBatchRunner } from './ordered-batch-runner.ts';
import { SinkWrites } from './sink-writes.ts';
import { StageMetrics } from './stage-metrics.ts';
import type { FailedRecord, PipelineItem, SinkContext, StageContext } from './stages.ts';
import type { TopologyDeclaration } from './topology-declaration.ts';
import { TopologyMetrics } from './topology-metrics.ts';

/** Running totals since start, for the status line, benches and tests. */
export interface TopologyTotals {
  consumed: number;
  /** Items every durable sink confirmed (for the scoring topology: predictions). */
  delivered: number;
  deadLetters: number;
  batches: number;
}

/** What a runtime needs besides its declaration. */
export interface TopologyRuntimeOptions {
  transport: Transport;
  logger: Logger;
  registry?: Registry | undefined;
  /** An unrecoverable failure (a bug, a sink that refuses for good); default: log it. */
  onFatal?: ((error: unknown) => void) | undefined;
}

// A poll's preparation (the registry prefetch) is retried until it succeeds or the topology stops.
const PREPARE_RETRY = {
  retries: Number.POSITIVE_INFINITY,
  initialDelayMs: 100,
  maxDelayMs: 5000,
  factor: 2,
  jitter: 0.2,
};

/**
 * Runs one topology declaration: joins the source's group, decodes each record, micro-batches
 * them, runs the batch stages (batches overlapping, delivered in order), writes each batch to
 * every durable sink and acks its records once all confirmed (in batch order), routes every
 * failed record to the dead-letter sink, and lets the taps see what was delivered. The only place
 * records are acked; the consumer loop, the only place offsets are committed.
 */
export class TopologyRuntime<T extends PipelineItem> {
  readonly declaration: TopologyDeclaration<T>;
  readonly totals: TopologyTotals = { consumed: 0, delivered: 0, deadLetters: 0, batches: 0 };
  readonly latency: LatencyRecorder;
  readonly gate: InFlightGate;
  readonly #options: TopologyRuntimeOptions;
  readonly #stageMetrics: StageMetrics;
  readonly #metrics: TopologyMetrics;
  readonly #batcher: MicroBatcher<T>;
  readonly #runner: OrderedBatchRunner<T[], void>;
  /** The latency-budget controller's loop, when batch.latencyBudgetMs is set. */
  readonly #control: BatchingControl | undefined;
  readonly #stopping = new AbortController();
  readonly #shutdown = new AbortController();
  readonly #logger: Logger;
  #producer: ProducerClient | undefined;
  #loop: ConsumerLoop | undefined;
  #stopRequested = false;
  /** The ack step of the last delivered batch; each batch's ack waits for it. */
  #acked: Promise<void> = Promise.resolve();
  /** Per ordered sink, its write of the last delivered batch; each batch's write starts after it. */
  readonly #orderedWrites: Array<Promise<void>>;
  readonly #sinkWrites: SinkWrites;

  constructor(declaration: TopologyDeclaration<T>, options: TopologyRuntimeOptions) {
    this.declaration = declaration;
    this.#options = options;
    this.#logger = options.logger.child({ topology: declaration.name });
    const { consumer } = declaration.source;
    this.gate = new InFlightGate(consumer.maxInFlight, consumer.resumeRatio);
    this.#stageMetrics = new StageMetrics(options.registry, declaration.name);
    this.latency = new LatencyRecorder(this.#stageMetrics);
    this.#metrics = new TopologyMetrics(this.#stageMetrics, declaration.deliveredMetric, {
      inFlight: () => this.gate.count,
      paused: () => this.#loop?.paused ?? false,
      batchSizeLimit: () => this.#batcher.maxBatchSize,
      inFlightLimit: () => this.gate.limit,
      concurrentBatches: () => this.#runner.maxConcurrent,
    });
    this.#orderedWrites = declaration.sinks.map(() => Promise.resolve());
    this.#sinkWrites = new SinkWrites(this.#metrics, this.#logger);
    this.#runner = new OrderedBatchRunner<T[], void>({
      maxConcurrent: declaration.batch.maxConcurrentBatches,
      process: (items) => this.#process(items),
      deliver: async (_, items) => this.#deliver(items),
      onFatal: (error) => this.#fatal(error),
    });
    this.#batcher = new MicroBatcher<T>(declaration.batch, (items, reason, waitedMs) => {
      this.totals.batches++;
      this.#control?.noteBatch(items.length, reason);
      this.#metrics.batchSize.observe({ reason }, items.length);
      this.#metrics.stageSeconds.observe({ stage: 'batch' }, waitedMs / 1000);
      this.#runner.submit(items);
    });
    const { latencyBudgetMs } = declaration.batch;
    if (latencyBudgetMs !== undefined)
      this.#control = new BatchingControl(
        { budgetMs: latencyBudgetMs, batch: declaration.batch, maxInFlight: consumer.maxInFlight },
        {
          batcher: this.#batcher,
          runner: this.#runner,
          gate: this.gate,
          latency: this.latency,
          logger: this.#logger,
          delivered: () => this.totals.delivered,
          paused: () => this.#loop?.paused ?? false,
        },
      );
  }

  /** The batch size in use (the controller's when a latency budget is set). */
  get batchSizeLimit(): number {
    return this.#batcher.maxBatchSize;
  }

  /** Creates the topics, opens stages and sinks, then joins the consumer group and starts consuming. */
  async start(): Promise<void> {
    const { transport } = this.#options;
    const declaration = this.declaration;
    await transport.ensureTopics([...declaration.topics]);
    const context: StageContext = {
      topology: declaration.name,
      logger: this.#logger,
      metrics: this.#stageMetrics,
      stopping: this.#stopping.signal,
      shutdown: this.#shutdown.signal,
    };
    const transaction =
      declaration.delivery === 'exactly-once' ? await this.#transactionalProducer() : undefined;
    this.#producer = transaction ?? (await transport.createProducer());
    const sinkContext: SinkContext = { ...context, transport, producer: this.#producer };
    try {
      await declaration.decode.open?.(context);
      for (const stage of declaration.stages) await stage.open?.(context);
      for (const sink of declaration.sinks) await sink.open?.(sinkContext);
      await declaration.deadLetters.open?.(sinkContext);
      for (const tap of declaration.taps ?? []) await tap.open?.(sinkContext);
    } catch (error) {
      await this.#producer.close().catch(() => undefined);
      throw error;
    }
    // Before the first poll: the first poll is sized by the controller's first (small) decision.
    this.#control?.start();
    this.#loop = await ConsumerLoop.start(transport, {
      ...declaration.source.consumer,
      topics: [...declaration.source.topics],
      gate: this.gate,
      logger: this.#logger,
      handle: (records) => this.#handle(records),
      onFatal: (error) => this.#fatal(error),
      transaction,
    });
  }

  /**
   * Under exactly-once, the id of this topology's transactional producer: the declared one, else
   * derived from its consumer group and the host, so each topology of a process has its own.
   */
  get transactionalId(): string | undefined {
    const { delivery, transactionalId, source } = this.declaration;
    if (delivery !== 'exactly-once') return undefined;
    return transactionalId ?? `${source.consumer.groupId}-${hostname()}`;
  }

  #transactionalProducer(): Promise<TransactionalProducerClient> {
    const { transport } = this.#options;
    const id = this.transactionalId;
    if (!transport.createTransactionalProducer || id === undefined) {
      throw new ConfigError(
        'SLUICE_CONFIG_INVALID',
        `delivery: exactly-once is not supported by the ${transport.kind} transport`,
        { subject: 'delivery' },
      );
    }
    return transport.createTransactionalProducer(id);
  }

  /** True once the consumer holds its assignment, while polls succeed and the broker is reachable. */
  isConsuming(): boolean {
    return (
      this.#loop !== undefined &&
      !this.#stopRequested &&
      this.#loop.isAssigned() &&
      this.#options.transport.isConnected()
    );
  }

  /** Whether the consumer joined its group and holds its assignment (possibly empty). */
  isAssigned(): boolean {
    return this.#loop?.isAssigned() ?? false;
  }

  get paused(): boolean {
    return this.#loop?.paused ?? false;
  }

  /** Commits every partition's acked low watermark now, as the commit interval would. */
  commit(): Promise<void> {
    return this.#loop?.commit() ?? Promise.resolve();
  }

  /** Stops fetching, flushes the open batch, waits for in-flight records (bounded), commits, leaves the group. */
  async stop(timeoutMs: number): Promise<{ drained: boolean }> {
    this.#stopRequested = true;
    this.#stopping.abort();
    this.#control?.stop();
    const deadline = Date.now() + timeoutMs;
    if (!this.#loop) return { drained: true };
    await this.#loop.stop();
    this.#batcher.flush();
    const drained = await this.#loop.close(Math.max(0, deadline - Date.now()));
    this.#shutdown.abort();
    await Promise.allSettled(this.declaration.stages.map((s) => s.close?.()));
    // Sinks, then taps, flush what they hold while the producer is still open.
    await closeParts([...this.declaration.sinks, ...(this.declaration.taps ?? [])], this.#logger);
    await this.#producer?.close();
    return { drained };
  }

  #handle(records: ConsumedRecord[]): void | Promise<void> {
    const { prepare } = this.declaration.decode;
    if (!prepare) {
      this.#decodeAll(records);
      return;
    }
    const inputs = records.map((r) => r.record);
    return retry(() => prepare.call(this.declaration.decode, inputs), {
      ...PREPARE_RETRY,
      signal: this.#stopping.signal,
      onRetry: (error, attempt) =>
        this.#logger.warn(
          { err: error, attempt, stage: this.declaration.decode.id },
          'preparing a poll failed; retrying',
        ),
    }).then(() => this.#decodeAll(records));
  }

  #decodeAll(records: ConsumedRecord[]): void {
    const decode = this.declaration.decode;
    this.totals.consumed += records.length;
    this.#metrics.consumed.inc(undefined, records.length);
    let failed: FailedRecord[] | undefined;
    const now = Date.now();
    const started = performance.now();
    for (let i = 0; i < records.length; i++) {
      const consumed = records[i]!;
      const item = decode.process(consumed, now);
      if (item instanceof RecordError) {
        failed ??= [];
        failed.push({ consumed, error: item });
      } else this.#batcher.add(item);
    }
    // Per poll, not per record; a batch the poll closed is handed on inside this span.
    this.#metrics.stageSeconds.observe({ stage: decode.id }, (performance.now() - started) / 1000);
    if (failed) void this.#routeDeadLetters(failed);
  }

  async #process(items: T[]): Promise<void> {
    let live = items;
    for (const stage of this.declaration.stages) {
      if (live.length === 0) return;
      const started = performance.now();
      await stage.process(live);
      this.#metrics.stageSeconds.observe({ stage: stage.id }, (performance.now() - started) / 1000);
      // Only a batch in which some item failed pays for a copy.
      for (let i = 0; i < live.length; i++) {
        if (live[i]!.error !== undefined) {
          live = live.filter((item) => item.error === undefined);
          break;
        }
      }
    }
  }

  /** Delivers one processed batch; called in batch order. */
  #deliver(items: T[]): void {
    const declaration = this.declaration;
    let delivered = items;
    let failed: FailedRecord[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.error === undefined) continue;
      failed ??= [];
      failed.push({ consumed: item.consumed, error: item.error });
    }
    if (failed) delivered = items.filter((item) => item.error === undefined);
    // Handed to every sink synchronously and in batch order, which keeps per-key order; their
    // confirmations are not awaited here, so the next batch is handed over meanwhile. Acks are still
    // applied in batch order, after the ack of the one before.
    const handedOver = performance.now();
    const written: Array<Promise<void>> = [this.#acked];
    if (delivered.length > 0) {
      declaration.sinks.forEach((sink, i) => {
        if (!sink.ordered) {
          written.push(this.#sinkWrites.write(sink.name, () => sink.write(delivered)));
          return;
        }
        const write = this.#orderedWrites[i]!.then(() =>
          this.#sinkWrites.write(sink.name, () => sink.write(delivered)),
        );
        this.#orderedWrites[i] = write.catch(() => undefined);
        written.push(write);
      });
    }
    if (failed) written.push(this.#routeDeadLetters(failed));
    const acked = Promise.all(written).then(() => {
      this.#metrics.stageSeconds.observe({ stage: 'sink' }, (performance.now() - handedOver) / 1000);
      for (let i = 0; i < delivered.length; i++) delivered[i]!.consumed.ack();
      this.totals.delivered += delivered.length;
      this.#metrics.delivered.inc(undefined, delivered.length);
      this.latency.recordDelivered(delivered, preciseNowMs());
      this.#observe(delivered);
    });
    this.#acked = acked.then(
      () => undefined,
      (error: unknown) => this.#fatal(error),
    );
  }

  /**
   * Writes dead letters, then acks their records. Never rejects: a write that cannot succeed goes
   * to the fatal path, and its records stay unacked, so uncommitted.
   */
  #routeDeadLetters(failed: FailedRecord[]): Promise<void> {
    const sink = this.declaration.deadLetters;
    return this.#sinkWrites
      .write(sink.name, () => sink.write(failed))
      .then(() => {
        for (const { consumed } of failed) consumed.ack();
        this.totals.deadLetters += failed.length;
        // Counted once written: a dead letter the topic refused was never one.
        for (const { error } of failed)
          this.#metrics.deadLetters.inc({ stage: error.stage, code: error.code });
      })
      .catch((error: unknown) => this.#fatal(error));
  }

  #observe(delivered: T[]): void {
    const taps = this.declaration.taps;
    if (!taps || delivered.length === 0) return;
    for (const tap of taps) {
      try {
        tap.observe(delivered);
      } catch (error) {
        this.#logger.warn(
          { err: error, tap: tap.name },
          'tap failed on a delivered batch; the topology carries on',
        );
      }
    }
  }

  #fatal(error: unknown): void {
    // A batch held for a dependency at shutdown: its records stay unacked, so uncommitted.
    if (this.#stopRequested && error instanceof SluiceError && error.code === 'SLUICE_SHUTDOWN') return;
    if (this.#options.onFatal) this.#options.onFatal(error);
    else this.#logger.fatal({ err: error }, 'topology failed');
  }
}
