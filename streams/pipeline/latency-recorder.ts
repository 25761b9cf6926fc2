import { build, type Histogram as HdrHistogram } from 'hdr-histogram-js';
import type { Registry } from 'prom-client';

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

  constructor(registry?: Registry) {
    if (registry) registry.registerMetric(this.#promMetric() as never);
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

  #promMetric() {
    const counts = this.#counts;
    const self = this;
    return {
      name: 'sluice_end_to_end_latency_seconds',
      help: 'From reading an event to delivering its prediction',
      type: 'histogram',
      aggregator: 'sum',
      get() {
        const values: Array<{ value: number; labels: Record<string, string | number>; metricName: string }> =
          [];
        let cumulative = 0;
        for (let i = 0; i < BUCKETS_SECONDS.length; i++) {
          cumulative += counts[i]!;
          values.push({
            value: cumulative,
            labels: { le: BUCKETS_SECONDS[i]! },
            metricName: 'sluice_end_to_end_latency_seconds_bucket',
          });
        }
        values.push({
          value: self.#count,
          labels: { le: '+Inf' },
          metricName: 'sluice_end_to_end_latency_seconds_bucket',
        });
        values.push({
          value: self.#sumSeconds,
          labels: {},
          metricName: 'sluice_end_to_end_latency_seconds_sum',
        });
        values.push({
          value: self.#count,
          labels: {},
          metricName: 'sluice_end_to_end_latency_seconds_count',
        });
        return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
      },
      reset() {},
    };
  }
}

function newHdr(): HdrHistogram {
  return build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000_000,
    numberOfSignificantValueDigits: 3,
  });
}
