import { performance } from 'node:perf_hooks';
import { preciseNowMs } from '../core/clock.ts';
import type { RecordError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { retry } from '../core/retry.ts';
import {
  deadLetterRecord,
  predictionRecord,
  propagatedTraceparent,
  toDeadLetter,
  toPrediction,
} from '../processors/encode/index.ts';
import type { ScoringItem } from '../processors/scoring-item.ts';
import { codecs, type DeadLetter, frameWithSchemaId, type Prediction } from '../schemas/index.ts';
import { type BatchSink, TopicSink } from '../sinks/index.ts';
import type { ConsumedRecord, OutgoingRecord, ProducerClient } from '../streams/index.ts';
import type { LatencyRecorder } from '../streams/pipeline/index.ts';
import type { PipelineMetrics } from './pipeline-metrics.ts';
import type { LiveFeed, Scorer } from './scoring-ports.ts';

/** Running totals since start, for the status line, the bench and tests. */
export interface TopologyTotals {
  consumed: number;
  predictions: number;
  deadLetters: number;
  batches: number;
  /** Epoch ms (sub-ms precision) the first record was fetched; 0 before that. Benches time from it. */
  firstConsumedAtMs: number;
}

/** A record some stage could not handle, on its way to the dead-letter topic. */
export interface FailedRecord {
  consumed: ConsumedRecord;
  error: RecordError;
}

export interface ScoringOutputParts {
  producer: ProducerClient;
  topics: { predictions: string; deadLetters: string };
  /** `deadLetters.maxOriginalBytes`: how much of the original a dead letter keeps whole. */
  maxOriginalBytes: number;
  scorer: Pick<Scorer, 'model' | 'version' | 'decisionThreshold'>;
  /** Registry ids the outputs are framed with (Confluent wire format); undefined without a registry. */
  outputSchemaIds: { prediction: number; deadLetter: number } | undefined;
  predictionStore?: BatchSink<Prediction> | undefined;
  liveFeed?: LiveFeed | undefined;
  metrics: PipelineMetrics | undefined;
  latency: LatencyRecorder;
  totals: TopologyTotals;
  logger: Logger;
  onFatal: (error: unknown) => void;
}

// A failing sink is retried until it succeeds: its inputs stay unacked (uncommitted) meanwhile.
const SINK_RETRY = {
  retries: Number.POSITIVE_INFINITY,
  initialDelayMs: 50,
  maxDelayMs: 5000,
  factor: 2,
  jitter: 0.2,
};

/**
 * The delivery side of the scoring topology: scored batches become predictions on the topic, in
 * the prediction store and on the live feed; failed records become dead letters. A record is acked
 * (and so may be committed) only once every sink holding its output confirmed the write.
 */
export class ScoringOutput {
  readonly #parts: ScoringOutputParts;
  readonly #predictionSink: TopicSink;
  readonly #deadLetterSink: TopicSink;
  /** The ack step of the last delivered batch; each batch's ack waits for it. */
  #acked: Promise<void> = Promise.resolve();
  /** The prediction-store write of the last delivered batch; each batch's write starts after it. */
  #stored: Promise<void> = Promise.resolve();

  constructor(parts: ScoringOutputParts) {
    this.#parts = parts;
    this.#predictionSink = new TopicSink(parts.producer, parts.topics.predictions);
    this.#deadLetterSink = new TopicSink(parts.producer, parts.topics.deadLetters);
  }

  /** Delivers one scored batch; called in batch order. */
  deliver(items: ScoringItem[]): void {
    const { scorer, liveFeed, metrics, totals } = this.#parts;
    const now = preciseNowMs();
    const predictions: Prediction[] = [];
    const scored: ScoringItem[] = [];
    let failed: FailedRecord[] | undefined;
    for (const item of items) {
      if (item.error) {
        failed ??= [];
        failed.push({ consumed: item.consumed, error: item.error });
        continue;
      }
      predictions.push(toPrediction(item, scorer.model, scorer.version, scorer.decisionThreshold, now));
      scored.push(item);
      if (item.missing.length > 0)
        for (const feature of item.missing) metrics?.featuresDefaulted.inc({ feature });
    }
    const values = this.#frame(
      codecs.prediction.encodeBatch(predictions),
      this.#parts.outputSchemaIds?.prediction,
    );
    const records = new Array<OutgoingRecord>(predictions.length);
    for (let i = 0; i < predictions.length; i++) {
      const input = scored[i]!.consumed.record;
      records[i] = predictionRecord(predictions[i]!, values[i]!, input, this.#traceparent(input));
    }
    // Handled at once (a rejection is fatal), and awaited by this batch's ack step below.
    const deadLetters = failed ? this.routeDeadLetters(failed) : undefined;
    // Handing the records to the producer is synchronous and in batch order, which keeps per-key
    // order; waiting for the broker's ack is not, so the next batch is handed over meanwhile and
    // several sends overlap. Acks are still applied in batch order, after the ack of the one before.
    const written = this.#writeWithRetry(this.#predictionSink, records);
    const stored = this.#storeInOrder(predictions);
    const acked = Promise.all([this.#acked, written, stored]).then(() => {
      for (const item of scored) item.consumed.ack();
      totals.predictions += predictions.length;
      metrics?.predictions.inc(predictions.length);
      this.#recordLatency(scored, preciseNowMs());
      liveFeed?.publishBatch('predictions', predictions);
      return deadLetters;
    });
    this.#acked = acked.then(
      () => undefined,
      (error: unknown) => this.#parts.onFatal(error),
    );
  }

  /**
   * Writes dead letters (original bytes up to the cap, reason headers), then acks their records.
   * The returned promise never rejects: a write that cannot succeed goes to the fatal path, and
   * its records stay unacked, so uncommitted.
   */
  routeDeadLetters(failed: FailedRecord[]): Promise<void> {
    return this.#writeDeadLetters(failed).catch((error: unknown) => this.#parts.onFatal(error));
  }

  async #writeDeadLetters(failed: FailedRecord[]): Promise<void> {
    const { metrics, totals, liveFeed, maxOriginalBytes } = this.#parts;
    const now = Date.now();
    const schemaId = this.#parts.outputSchemaIds?.deadLetter;
    const letters: DeadLetter[] = [];
    const records: OutgoingRecord[] = [];
    for (const { consumed, error } of failed) {
      const letter = toDeadLetter(consumed.record, error, now, maxOriginalBytes);
      letters.push(letter);
      const record = deadLetterRecord(letter, consumed.record, this.#traceparent(consumed.record));
      if (schemaId !== undefined && record.value) record.value = frameWithSchemaId(schemaId, record.value);
      records.push(record);
    }
    await this.#writeWithRetry(this.#deadLetterSink, records);
    for (const { consumed } of failed) consumed.ack();
    totals.deadLetters += failed.length;
    // Counted once written: a dead letter the topic refused was never one.
    if (metrics)
      for (const letter of letters)
        metrics.deadLetters.inc({ stage: letter.stage, code: letter.error_class });
    if (liveFeed?.hasSubscribers('deadletters')) {
      liveFeed.publishBatch(
        'deadletters',
        letters.map(({ original_key: _k, original_value: _v, original_headers: headers, ...rest }) => ({
          ...rest,
          original_header_names: headers.map((h) => h.name),
        })),
      );
    }
  }

  /** The input's traceparent to carry on, if it has a valid one; an invalid one is counted and dropped. */
  #traceparent(input: { headers: Record<string, Buffer> }): Buffer | undefined {
    const value = input.headers.traceparent;
    if (value === undefined) return undefined;
    const carried = propagatedTraceparent(value);
    if (carried) return carried;
    this.#parts.metrics?.invalidTraceparent.inc();
    return undefined;
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

  #writeWithRetry<T>(sink: BatchSink<T>, records: T[]): Promise<void> {
    const { metrics, logger } = this.#parts;
    if (records.length === 0) return Promise.resolve();
    return retry(
      async () => {
        const started = performance.now();
        try {
          await sink.write(records);
        } catch (error) {
          metrics?.sinkFailures.inc({ sink: sink.name });
          throw error;
        }
        metrics?.sinkWriteSeconds.observe({ sink: sink.name }, (performance.now() - started) / 1000);
      },
      {
        ...SINK_RETRY,
        onRetry: (error, attempt, delayMs) => {
          metrics?.sinkRetries.inc({ sink: sink.name });
          logger.warn(
            { err: error, sink: sink.name, attempt, retryInMs: delayMs },
            'sink write failed; retrying',
          );
        },
      },
    );
  }

  #frame(values: Buffer[], schemaId: number | undefined): Buffer[] {
    if (schemaId === undefined) return values;
    return values.map((value) => frameWithSchemaId(schemaId, value));
  }

  /** Records end-to-end latency once per run of items that share an ingest time (one poll). */
  #recordLatency(scored: ScoringItem[], outputTimeMs: number): void {
    let runStart = -1;
    let runLength = 0;
    for (const item of scored) {
      const ingest = item.consumed.ingestTimeMs;
      if (ingest === runStart) runLength++;
      else {
        if (runLength > 0) this.#parts.latency.record(outputTimeMs - runStart, runLength);
        runStart = ingest;
        runLength = 1;
      }
    }
    if (runLength > 0) this.#parts.latency.record(outputTimeMs - runStart, runLength);
  }
}
