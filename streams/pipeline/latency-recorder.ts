import { build, type Histogram as HdrHistogram } from 'hdr-histogram-js';
import type { CollectedValue, StageMetrics } from './stage-metrics.ts';

const BUCKETS_SECONDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * End-to-end latency, recorded once per run of records that share an ingest time (a poll), so the
 * hot path pays per batch rather than per record. Feeds the Prometheus histogram
 * `sluice_end_to_end_latency_seconds` and an interval HDR histogram for the status line and the bench.
 */
export class LatencyRecorder {
  readonly #counts = new Float64Array(BUCKETS_SECONDS.length + 1);
  #sumSeconds = 0;
  #count = 0;
  #interval: HdrHistogram = newHdr();
  #total: HdrHistogram = newHdr();
  /** The latency-budget controller's own interval (it runs on another clock than the status line). */
  #budget: HdrHistogram | undefined;
  /** From the event's own time to delivery, in ms: what a backlog waiting in Kafka adds shows here. */
  #fromEventTime: HdrHistogram = newEventTimeHdr();

  /** Exports the histogram as `sluice_end_to_end_latency_seconds{topology}`. */
  constructor(metrics?: StageMetrics) {
    metrics?.collector(
      'sluice_end_to_end_latency_seconds',
      'From reading an event to delivering its result (for the scoring topology: its prediction)',
      () => this.#collect(),
    );
  }

  record(latencyMs: number, count: number): void {
    const seconds = latencyMs / 1000;
    let i = 0;
    while (i < BUCKETS_SECONDS.length && seconds > BUCKETS_SECONDS[i]!) i++;
    this.#counts[i]! += count;
    this.#sumSeconds += seconds * count;
    this.#count += count;
    const micros = Math.max(1, Math.round(latencyMs * 1000));
    this.#interval.recordValueWithCount(micros, count);
    this.#total.recordValueWithCount(micros, count);
    this.#budget?.recordValueWithCount(micros, count);
  }

  /**
   * Records a delivered batch at `outputTimeMs`: latency from ingest once per run of items that
   * share an ingest time (one poll), so the hot path pays per run rather than per record, and
   * latency from event time per item that has one.
   */
  recordDelivered(
    items: ReadonlyArray<{
      readonly consumed: { readonly ingestTimeMs: number };
      readonly eventTime?: number;
    }>,
    outputTimeMs: number,
  ): void {
    let runStart = -1;
    let runLength = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.eventTime !== undefined) this.recordFromEventTime(outputTimeMs - item.eventTime);
      const ingest = item.consumed.ingestTimeMs;
      if (ingest === runStart) runLength++;
      else {
        if (runLength > 0) this.record(outputTimeMs - runStart, runLength);
        runStart = ingest;
        runLength = 1;
      }
    }
    if (runLength > 0) this.record(outputTimeMs - runStart, runLength);
  }

  /** One record's latency from its event time (ms); clamped to [1 ms, 30 days]. */
  recordFromEventTime(latencyMs: number): void {
    this.#fromEventTime.recordValue(Math.min(EVENT_TIME_MAX_MS, Math.max(1, Math.round(latencyMs))));
  }

  /** Percentiles (ms) from event time since the previous call; zeros when nothing had an event time. */
  takeEventTimeInterval(): { count: number; p50: number; p99: number } {
    const h = this.#fromEventTime;
    const result = { count: h.totalCount, p50: h.getValueAtPercentile(50), p99: h.getValueAtPercentile(99) };
    h.reset();
    return result;
  }

  /** p99 (ms) since the previous call, null when nothing was recorded; the first call starts the window. */
  takeBudgetWindow(): number | null {
    const h = this.#budget;
    if (h === undefined) {
      this.#budget = newHdr();
      return null;
    }
    const p99 = h.totalCount === 0 ? null : h.getValueAtPercentile(99) / 1000;
    h.reset();
    return p99;
  }

  /** Percentiles (ms) since the previous call; the status line calls it every interval. */
  takeInterval(): { count: number; p50: number; p99: number; max: number } {
    const h = this.#interval;
    const result = {
      count: h.totalCount,
      p50: h.getValueAtPercentile(50) / 1000,
      p99: h.getValueAtPercentile(99) / 1000,
      max: h.maxValue / 1000,
    };
    h.reset();
    return result;
  }

  /** Percentiles (ms) since start: what the benchmark reports. */
  overall(): { count: number; p50: number; p99: number; max: number } {
    const h = this.#total;
    return {
      count: h.totalCount,
      p50: h.getValueAtPercentile(50) / 1000,
      p99: h.getValueAtPercentile(99) / 1000,
      max: h.maxValue / 1000,
    };
  }

  #collect(): CollectedValue[] {
    const values: CollectedValue[] = [];
    let cumulative = 0;
    for (let i = 0; i < BUCKETS_SECONDS.length; i++) {
      cumulative += this.#counts[i]!;
      values.push({
        value: cumulative,
        labels: { le: BUCKETS_SECONDS[i]! },
        metricName: 'sluice_end_to_end_latency_seconds_bucket',
      });
    }
    values.push({
      value: this.#count,
      labels: { le: '+Inf' },
      metricName: 'sluice_end_to_end_latency_seconds_bucket',
    });
    values.push({ value: this.#sumSeconds, labels: {}, metricName: 'sluice_end_to_end_latency_seconds_sum' });
    values.push({ value: this.#count, labels: {}, metricName: 'sluice_end_to_end_latency_seconds_count' });
    return values;
  }
}

const EVENT_TIME_MAX_MS = 30 * 24 * 3_600_000;

function newEventTimeHdr(): HdrHistogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: EVENT_TIME_MAX_MS,
    numberOfSignificantValueDigits: 2,
  });
}

function newHdr(): HdrHistogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}
