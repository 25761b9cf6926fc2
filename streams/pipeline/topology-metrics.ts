import type { BoundCounter, BoundHistogram, StageMetrics } from './stage-metrics.ts';

/**
 * The engine's own series, each labelled `topology`, updated per batch (not per record) where it
 * can. Stage labels use the stable stage ids. The names are those the scoring pipeline has always
 * exported (README "Metrics"), so dashboards keep working.
 */
export class TopologyMetrics {
  readonly consumed: BoundCounter<never>;
  readonly delivered: BoundCounter<never>;
  readonly deadLetters: BoundCounter<'stage' | 'code'>;
  readonly batchSize: BoundHistogram<'reason'>;
  readonly stageSeconds: BoundHistogram<'stage'>;
  readonly sinkRetries: BoundCounter<'sink'>;
  readonly sinkFailures: BoundCounter<'sink'>;
  readonly sinkWriteSeconds: BoundHistogram<'sink'>;

  constructor(
    metrics: StageMetrics,
    delivered: { name: string; help: string } | undefined,
    probes: {
      inFlight: () => number;
      paused: () => boolean;
      batchSizeLimit: () => number;
      inFlightLimit: () => number;
      concurrentBatches: () => number;
    },
  ) {
    this.consumed = metrics.counter(
      'sluice_records_consumed_total',
      'Input records fetched from the source topics',
    );
    this.delivered = metrics.counter(
      delivered?.name ?? 'sluice_records_delivered_total',
      delivered?.help ?? 'Items every durable sink confirmed',
    );
    this.deadLetters = metrics.counter(
      'sluice_dead_letters_total',
      'Input records routed to the dead-letter topic (once written), by failing stage and error code',
      ['stage', 'code'],
    );
    this.batchSize = metrics.histogram(
      'sluice_batch_size',
      'Items per micro-batch, by what closed it (size, delay, flush)',
      ['reason'],
      [1, 4, 16, 32, 64, 128, 256, 512, 1024, 4096],
    );
    this.stageSeconds = metrics.histogram(
      'sluice_stage_duration_seconds',
      'Time a micro-batch spends in a stage',
      ['stage'],
      [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
    );
    this.sinkRetries = metrics.counter('sluice_sink_retries_total', 'Failed sink writes that were retried', [
      'sink',
    ]);
    this.sinkFailures = metrics.counter(
      'sluice_sink_write_failures_total',
      'Failed sink writes, retried or not, by sink',
      ['sink'],
    );
    this.sinkWriteSeconds = metrics.histogram(
      'sluice_sink_write_duration_seconds',
      'Time from handing a batch to a sink until it confirmed the write, by sink (successful writes)',
      ['sink'],
      [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
    );
    metrics.gauge(
      'sluice_inflight_records',
      'Records fetched and not yet acked by every sink',
      probes.inFlight,
    );
    metrics.gauge(
      'sluice_batch_size_limit',
      'Events at which a batch closes: batch.maxBatchSize, or what the latency-budget controller chose',
      probes.batchSizeLimit,
    );
    metrics.gauge(
      'sluice_inflight_limit',
      'The in-flight bound: consumer.maxInFlight, or what the latency-budget controller chose',
      probes.inFlightLimit,
    );
    metrics.gauge(
      'sluice_concurrent_batches_limit',
      'Batches in the batch stages at once: batch.maxConcurrentBatches, or the controller choice',
      probes.concurrentBatches,
    );
    metrics.gauge(
      'sluice_consumer_paused',
      '1 while the in-flight bound keeps the input partitions paused',
      () => (probes.paused() ? 1 : 0),
    );
  }
}
