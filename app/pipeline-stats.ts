import type { Logger } from '../core/logger.ts';
import type { LiveFeed } from '../sinks/websocket/index.ts';
import { consumerLag, type PartitionLag, type Transport } from '../streams/index.ts';
import type { ScoringTopology } from './scoring-topology.ts';

/** One second of the scoring topology, as the `stats` channel carries it and the status line prints it. */
export interface PipelineStats {
  atMs: number;
  intervalMs: number;
  eventsInPerSec: number;
  eventsOutPerSec: number;
  /** From ingest (the record read) to the prediction delivered, over the interval. */
  p50Ms: number;
  p99Ms: number;
  /**
   * From the event's own time (`events.timeField`) to the prediction delivered: what the events
   * waited in Kafka before Sluice read them is in this one and not in the one above.
   */
  eventTimeP50Ms: number;
  eventTimeP99Ms: number;
  deadLetters: number;
  deadLettersPerSec: number;
  /** Events per batch delivered in the interval (0 when none), and the configured maximum. */
  batchSize: number;
  maxBatchSize: number;
  inFlight: number;
  maxInFlight: number;
  paused: boolean;
  /** Per input partition: log-end offset minus the group's committed offset (sampled at most once a second). */
  lag: PartitionLag[];
  lagTotal: number;
}

export interface PipelineStatsOptions {
  topology: ScoringTopology;
  transport: Pick<Transport, 'endOffsets' | 'committedOffsets'>;
  groupId: string;
  topics: readonly string[];
  liveFeed?: LiveFeed | undefined;
  logger: Logger;
  intervalMs?: number;
}

/**
 * Samples the scoring topology once a second: rates, latency percentiles, dead letters, batch
 * size, in-flight, pause state and consumer lag per partition. Each sample goes to the live
 * `stats` channel and is kept for the status line. Lag is read asynchronously from the transport;
 * a slow read keeps the previous value rather than stacking calls.
 */
export class PipelineStatsSampler {
  readonly #options: PipelineStatsOptions;
  #timer: NodeJS.Timeout | undefined;
  #last: { consumed: number; delivered: number; deadLetters: number; batches: number; at: number };
  #lag: PartitionLag[] = [];
  #lagPending = false;
  latest: PipelineStats | undefined;

  constructor(options: PipelineStatsOptions) {
    this.#options = options;
    this.#last = { ...options.topology.totals, at: Date.now() };
  }

  start(): this {
    const every = this.#options.intervalMs ?? 1000;
    this.#timer = setInterval(() => this.sample(Date.now()), every);
    this.#timer.unref();
    return this;
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  /** Takes one sample now (the timer's work; tests call it directly). */
  sample(now: number): PipelineStats {
    const { topology, liveFeed } = this.#options;
    this.#refreshLag();
    const totals = topology.totals;
    const seconds = Math.max(0.001, (now - this.#last.at) / 1000);
    const latency = topology.latency.takeInterval();
    const fromEventTime = topology.latency.takeEventTimeInterval();
    const batches = totals.batches - this.#last.batches;
    const lagTotal = this.#lag.reduce((n, p) => n + p.lag, 0);
    const stats: PipelineStats = {
      atMs: now,
      intervalMs: Math.round(seconds * 1000),
      eventsInPerSec: round((totals.consumed - this.#last.consumed) / seconds),
      eventsOutPerSec: round((totals.delivered - this.#last.delivered) / seconds),
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      eventTimeP50Ms: fromEventTime.p50,
      eventTimeP99Ms: fromEventTime.p99,
      deadLetters: totals.deadLetters,
      deadLettersPerSec: round((totals.deadLetters - this.#last.deadLetters) / seconds),
      batchSize: batches > 0 ? round((totals.consumed - this.#last.consumed) / batches) : 0,
      // The limits in use: the config's, or what the latency-budget controller chose.
      maxBatchSize: topology.batchSizeLimit,
      inFlight: topology.gate.count,
      maxInFlight: topology.gate.limit,
      paused: topology.paused,
      lag: this.#lag,
      lagTotal,
    };
    this.#last = { ...totals, at: now };
    this.latest = stats;
    try {
      liveFeed?.publishBatch('stats', [stats]);
    } catch {
      // SLUICE_LIVE_CHANNEL_UNKNOWN: websocket.channels leaves `stats` out, so nobody could read it.
    }
    return stats;
  }

  #refreshLag(): void {
    if (this.#lagPending) return;
    this.#lagPending = true;
    const { transport, groupId, topics, logger } = this.#options;
    consumerLag(transport, groupId, topics)
      .then(
        (lag) => {
          this.#lag = lag;
        },
        (error: unknown) => logger.debug({ err: error }, 'consumer lag could not be read; keeping the last'),
      )
      .finally(() => {
        this.#lagPending = false;
      });
  }
}

const round = (n: number) => Math.round(n * 10) / 10;
