import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * Every series the pipeline exports, prefixed `sluice_`. The topology updates them per batch (not
 * per record) where it can, to keep the hot path cheap. Stage labels use the stable stage ids.
 */
export class PipelineMetrics {
  readonly registry: Registry;
  readonly consumed: Counter;
  readonly predictions: Counter;
  readonly deadLetters: Counter<'stage' | 'code'>;
  readonly featuresDefaulted: Counter<'feature'>;
  readonly featureLookups: Counter;
  readonly batchSize: Histogram<'reason'>;
  readonly stageSeconds: Histogram<'stage'>;
  readonly inFlight: Gauge;
  readonly paused: Gauge;
  readonly sinkRetries: Counter<'sink'>;
  readonly sinkFailures: Counter<'sink'>;
  readonly sinkWriteSeconds: Histogram<'sink'>;
  readonly invalidTraceparent: Counter;

  constructor(registry: Registry, probes: { inFlight: () => number; paused: () => boolean }) {
    this.registry = registry;
    const registers = [registry];
    this.consumed = new Counter({
      name: 'sluice_records_consumed_total',
      help: 'Input records fetched from the events topic',
      registers,
    });
    this.predictions = new Counter({
      name: 'sluice_predictions_total',
      help: 'Predictions delivered to every sink',
      registers,
    });
    this.deadLetters = new Counter({
      name: 'sluice_dead_letters_total',
      help: 'Input records routed to the dead-letter topic, by failing stage and error code',
      labelNames: ['stage', 'code'],
      registers,
    });
    this.featuresDefaulted = new Counter({
      name: 'sluice_features_defaulted_total',
      help: 'Missing features replaced by their default, by feature',
      labelNames: ['feature'],
      registers,
    });
    this.featureLookups = new Counter({
      name: 'sluice_feature_lookups_total',
      help: 'Distinct keys looked up in the feature store',
      registers,
    });
    this.batchSize = new Histogram({
      name: 'sluice_batch_size',
      help: 'Events per micro-batch, by what closed it (size, delay, flush)',
      labelNames: ['reason'],
      buckets: [1, 4, 16, 32, 64, 128, 256, 512, 1024, 4096],
      registers,
    });
    this.stageSeconds = new Histogram({
      name: 'sluice_stage_duration_seconds',
      help: 'Time a micro-batch spends in a stage',
      labelNames: ['stage'],
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
      registers,
    });
    this.sinkRetries = new Counter({
      name: 'sluice_sink_retries_total',
      help: 'Failed sink writes that were retried',
      labelNames: ['sink'],
      registers,
    });
    this.sinkFailures = new Counter({
      name: 'sluice_sink_write_failures_total',
      help: 'Failed sink writes, retried or not, by sink',
      labelNames: ['sink'],
      registers,
    });
    this.sinkWriteSeconds = new Histogram({
      name: 'sluice_sink_write_duration_seconds',
      help: 'Time from handing a batch to a sink until it confirmed the write, by sink (successful writes)',
      labelNames: ['sink'],
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5],
      registers,
    });
    this.invalidTraceparent = new Counter({
      name: 'sluice_invalid_traceparent_total',
      help: 'Input records whose traceparent header was not valid W3C Trace Context; it was ignored, not carried on',
      registers,
    });
    this.inFlight = new Gauge({
      name: 'sluice_inflight_records',
      help: 'Records fetched and not yet acked by every sink',
      registers,
      collect() {
        this.set(probes.inFlight());
      },
    });
    this.paused = new Gauge({
      name: 'sluice_consumer_paused',
      help: '1 while the in-flight bound keeps the input partitions paused',
      registers,
      collect() {
        this.set(probes.paused() ? 1 : 0);
      },
    });
  }
}
