/**
 * Reads a predictions topic back as an outside observer: every prediction once (by event_id), with
 * the broker's append time (the topic uses `message.timestamp.type=LogAppendTime`) against the
 * prediction's `ingest_time` and `event_time`, so the latency includes everything Sluice did and
 * everything that waited in Kafka before it.
 */
import * as hdr from 'hdr-histogram-js';
import { codecs, DecodeFailure } from '../schemas/index.ts';
import type { ConsumerClient, Transport } from '../streams/index.ts';

function histogram() {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 3_600_000,
    numberOfSignificantValueDigits: 3,
  });
}

/** What the reader saw. */
export interface ReadBack {
  unique: number;
  duplicates: number;
  undecodable: number;
  firstIngestMs: number;
  firstAppendMs: number;
  lastAppendMs: number;
  fromIngest: { p50: number; p99: number };
  fromEventTime: { p50: number; p99: number };
  /** The same, for events from `steadyFromMs` on (after the warm-up). */
  fromEventTimeSteady: { p50: number; p99: number };
}

export class PredictionReader {
  readonly #consumer: ConsumerClient;
  readonly #seen = new Set<string>();
  readonly #fromIngest = histogram();
  readonly #fromEventTime = histogram();
  readonly #fromEventTimeSteady = histogram();
  /** Events with an earlier event time count as warm-up: left out of `fromEventTimeSteady`. */
  steadyFromMs = 0;
  /**
   * Per second of event time, the worst wait before Sluice ingested a record (in Kafka: fetch and
   * queueing) and the worst from ingest to append (Sluice's pipeline): where a tail comes from.
   */
  readonly worstBySecond = new Map<number, { toIngest: number; toAppend: number }>();
  #duplicates = 0;
  #undecodable = 0;
  #firstIngestMs = Number.POSITIVE_INFINITY;
  #firstAppendMs = Number.POSITIVE_INFINITY;
  #lastAppendMs = 0;
  /** Appends per 100 ms of wall-clock time (key: append ms / 100), for the steady mode's backlog over time. */
  readonly perTenth = new Map<number, number>();

  private constructor(consumer: ConsumerClient) {
    this.#consumer = consumer;
  }

  static async open(transport: Transport, topic: string, groupId: string): Promise<PredictionReader> {
    const consumer = await transport.createConsumer({
      groupId,
      fromBeginning: true,
      rebalance: { onAssigned: () => {}, onRevoked: () => {} },
    });
    await consumer.subscribe([topic]);
    return new PredictionReader(consumer);
  }

  get unique(): number {
    return this.#seen.size;
  }

  /** Polls until `count` distinct predictions were read, `deadlineMs` (Date.now) passes, or `gaveUp()`; `onFirst` when the first arrive. */
  async readUntil(
    count: number,
    deadlineMs: number,
    gaveUp: () => boolean = () => false,
    onFirst: () => void = () => {},
  ): Promise<void> {
    while (this.#seen.size < count && Date.now() < deadlineMs && !gaveUp()) {
      const records = await this.#consumer.poll(5000, 100);
      if (this.#seen.size === 0 && records.length > 0) onFirst();
      for (const r of records) {
        const p = r.value === null ? null : codecs.prediction.decode(r.value);
        if (p === null || p instanceof DecodeFailure) {
          this.#undecodable++;
          continue;
        }
        if (this.#seen.has(p.event_id)) {
          this.#duplicates++;
          continue;
        }
        this.#seen.add(p.event_id);
        const append = r.timestampMs;
        this.#fromIngest.recordValue(Math.max(1, append - p.ingest_time));
        this.#fromEventTime.recordValue(Math.max(1, append - p.event_time));
        if (p.event_time >= this.steadyFromMs)
          this.#fromEventTimeSteady.recordValue(Math.max(1, append - p.event_time));
        if (p.ingest_time < this.#firstIngestMs) this.#firstIngestMs = p.ingest_time;
        if (append < this.#firstAppendMs) this.#firstAppendMs = append;
        if (append > this.#lastAppendMs) this.#lastAppendMs = append;
        const second = Math.floor(p.event_time / 1000);
        const worst = this.worstBySecond.get(second);
        const toIngest = p.ingest_time - p.event_time;
        const toAppend = append - p.ingest_time;
        if (!worst) this.worstBySecond.set(second, { toIngest, toAppend });
        else {
          if (toIngest > worst.toIngest) worst.toIngest = toIngest;
          if (toAppend > worst.toAppend) worst.toAppend = toAppend;
        }
        const tenth = Math.floor(append / 100);
        this.perTenth.set(tenth, (this.perTenth.get(tenth) ?? 0) + 1);
      }
    }
  }

  result(): ReadBack {
    return {
      unique: this.#seen.size,
      duplicates: this.#duplicates,
      undecodable: this.#undecodable,
      firstIngestMs: this.#firstIngestMs,
      firstAppendMs: this.#firstAppendMs,
      lastAppendMs: this.#lastAppendMs,
      fromIngest: {
        p50: this.#fromIngest.getValueAtPercentile(50),
        p99: this.#fromIngest.getValueAtPercentile(99),
      },
      fromEventTimeSteady: {
        p50: this.#fromEventTimeSteady.getValueAtPercentile(50),
        p99: this.#fromEventTimeSteady.getValueAtPercentile(99),
      },
      fromEventTime: {
        p50: this.#fromEventTime.getValueAtPercentile(50),
        p99: this.#fromEventTime.getValueAtPercentile(99),
      },
    };
  }

  async close(): Promise<void> {
    await this.#consumer.close();
  }
}
