import type { Logger } from '../../../core/logger.ts';
import type { LiveFeed } from '../../../sinks/websocket/live-feed-tap.ts';
import type { OutgoingRecord, ProducerClient } from '../../../streams/index.ts';
import type { BoundCounter, SinkContext, Tap } from '../../../streams/pipeline/index.ts';
import { DEFAULT_MAX_MESSAGE_BYTES } from '../../../streams/types.ts';
import type { ScoringItem } from '../../scoring-item.ts';
import { type DriftAlert, encodeAlert } from '../alerts/drift-alert.ts';
import { PageHinkley, type PageHinkleyOptions } from '../alerts/page-hinkley.ts';
import { publishLive } from '../alerts/publish-live.ts';
import { EventTimeWindows, type OpenWindow, type PartialWindow } from '../window/event-time-windows.ts';
import type { DriftColumns } from './drift-columns.ts';
import { encodePartial } from './partial-message.ts';

export interface DriftTapOptions {
  columns: DriftColumns;
  windowMs: number;
  graceMs: number;
  idleCloseMs: number;
  partialsTopic: string;
  alertsTopic: string;
  /** This process's name in partials and alerts (two replicas must differ). */
  replica: string;
  /** The model and version scoring now (a hot swap changes the version). */
  model: () => { model: string; modelVersion: string };
  /** The Page–Hinkley detector on the score; off when undefined. */
  fastShift?: PageHinkleyOptions | undefined;
  liveFeed?: LiveFeed | undefined;
}

interface SeenPartition {
  topic: string;
  partition: number;
  lastEventTime: number;
}

/**
 * The scoring topology's drift tap: every delivered event goes into its event-time window (the
 * input-row values the model saw, the watched event fields, the score), and each window this
 * replica closes goes to the partials topic for the aggregator to merge. The Page–Hinkley detector
 * on the score raises `fast-shift` alerts between window closes, from this replica alone. Best
 * effort like every tap: a failed send is logged and counted, never retried into the hot path.
 */
export class DriftTap implements Tap<ScoringItem> {
  readonly name = 'drift';
  readonly #options: DriftTapOptions;
  readonly #windows: EventTimeWindows;
  readonly #detector: PageHinkley | undefined;
  /** Scratch numeric rows of one batch, row-major, as WindowState.addRows reads them. */
  #numeric = new Float64Array(0);
  /** Per topic, per partition: the latest event time read there. */
  readonly #seen = new Map<string, SeenPartition[]>();
  #lastSeenTopic: string | undefined;
  #lastSeen: SeenPartition[] = [];
  readonly #pending = new Set<Promise<void>>();
  #maxEventTime = Number.NEGATIVE_INFINITY;
  #lateReported = 0;
  #quietUntil = Number.NEGATIVE_INFINITY;
  #producer: ProducerClient | undefined;
  #logger: Logger | undefined;
  #timer: NodeJS.Timeout | undefined;
  #maxBytes = DEFAULT_MAX_MESSAGE_BYTES;
  #partials: BoundCounter<'closed_by'> | undefined;
  #failures: BoundCounter<'kind'> | undefined;
  #alarms: BoundCounter<never> | undefined;
  #lateEvents: BoundCounter<never> | undefined;

  constructor(options: DriftTapOptions) {
    this.#options = options;
    this.#windows = new EventTimeWindows({
      layout: options.columns.layout,
      sizeMs: options.windowMs,
      graceMs: options.graceMs,
      idleCloseMs: options.idleCloseMs,
    });
    this.#detector = options.fastShift && new PageHinkley(options.fastShift);
  }

  async open(context: SinkContext): Promise<void> {
    this.#logger = context.logger;
    this.#producer = await context.transport.createProducer();
    this.#maxBytes = context.transport.producerMaxRecordBytes() ?? DEFAULT_MAX_MESSAGE_BYTES;
    const { metrics } = context;
    this.#partials = metrics.counter('sluice_drift_partials_total', 'Drift window partials sent', [
      'closed_by',
    ]);
    this.#failures = metrics.counter(
      'sluice_drift_send_failures_total',
      'Drift partials and alerts that could not be sent (logged)',
      ['kind'],
    );
    this.#alarms = metrics.counter(
      'sluice_drift_fast_shift_total',
      'Page-Hinkley fast-shift alarms on the score',
    );
    this.#lateEvents = metrics.counter(
      'sluice_drift_late_events_total',
      'Events whose drift window had closed already (scored, left out of drift)',
    );
    metrics.gauge(
      'sluice_drift_open_windows',
      'Drift windows open in this replica',
      () => this.#windows.openWindows,
    );
    const every = Math.max(100, Math.min(this.#options.idleCloseMs, 1000));
    this.#timer = setInterval(() => this.#closeDue(Date.now()), every);
    this.#timer.unref();
  }

  observe(items: readonly ScoringItem[]): void {
    const { columns } = this.#options;
    const width = columns.numericNames.length;
    const categoricalWidth = columns.categoricalNames.length;
    const detector = this.#detector;
    const now = Date.now();
    if (this.#numeric.length < items.length * width) this.#numeric = new Float64Array(items.length * width);
    const numeric = this.#numeric;
    // New with each batch, unlike the numeric rows: a long-lived array holding this batch's
    // strings would keep them alive past the next scavenge and cost a write barrier per store.
    const categorical = new Array<string | null>(items.length * categoricalWidth);
    const ids = new Array<string>(items.length);
    // Consecutive items mostly fall in one window: their rows gather in the scratch arrays and the
    // window's state counts them at once when the window changes or the batch ends. No window
    // closes inside a batch (closeDue runs after it), so the current window's range stays valid.
    let window: OpenWindow | undefined;
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    let latest = Number.NEGATIVE_INFINITY;
    let rows = 0;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      const time = item.eventTime;
      if (!(time >= low && time < high)) {
        if (!Number.isFinite(time)) continue;
        if (window && rows > 0) window.state.addRows(ids, numeric, categorical, rows);
        rows = 0;
        window = this.#windows.windowAt(time, now);
        if (!window) {
          low = Number.POSITIVE_INFINITY;
          high = Number.NEGATIVE_INFINITY;
          continue;
        }
        low = window.start;
        high = low + this.#options.windowMs;
      }
      if (time > latest) latest = time;
      const record = item.consumed.record;
      window!.cover(record.topic, record.partition, record.offset);
      columns.fill(item, numeric, rows * width, categorical, rows * categoricalWidth);
      ids[rows] = item.eventId;
      rows++;
      this.#notePartition(record.topic, record.partition, time);
      if (detector) {
        const alarm = detector.add(item.score);
        // One alert per shift: the detector restarts on the new level, and may fire again while it settles.
        if (alarm && time >= this.#quietUntil) {
          this.#quietUntil = time + this.#options.windowMs;
          this.#fastShift(alarm, time);
        }
      }
    }
    this.#windows.noteEventTime(latest);
    if (window && rows > 0) window.state.addRows(ids, numeric, categorical, rows);
    this.#closeDue(now);
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    this.#emit(this.#windows.closeAll(), 'shutdown');
    await Promise.allSettled([...this.#pending]);
    await this.#producer?.close();
  }

  #notePartition(topic: string, partition: number, time: number): void {
    let partitions = this.#lastSeen;
    if (topic !== this.#lastSeenTopic) {
      partitions = this.#seen.get(topic) ?? [];
      this.#seen.set(topic, partitions);
      this.#lastSeenTopic = topic;
      this.#lastSeen = partitions;
    }
    const seen = partitions[partition];
    if (!seen) partitions[partition] = { topic, partition, lastEventTime: time };
    else if (time > seen.lastEventTime) seen.lastEventTime = time;
    if (time > this.#maxEventTime) this.#maxEventTime = time;
  }

  #closeDue(now: number): void {
    const late = this.#windows.late - this.#lateReported;
    if (late > 0) {
      this.#lateEvents?.inc(undefined, late);
      this.#lateReported = this.#windows.late;
    }
    const due = this.#windows.closeDue(now);
    if (due.length === 0) return;
    const watermark = this.#maxEventTime - this.#options.graceMs;
    for (const partial of due) this.#emit([partial], partial.windowEnd <= watermark ? 'watermark' : 'idle');
  }

  #emit(partials: PartialWindow[], closedBy: 'watermark' | 'idle' | 'shutdown'): void {
    const { windowMs, partialsTopic, replica } = this.#options;
    for (const partial of partials) {
      const covered = new Set(partial.coverage.map((r) => `${r.topic}[${r.partition}]`));
      // Partitions read in the window before this one or later, with nothing in this one: idle, not missing.
      const empty = [...this.#seen.values()]
        .flatMap((partitions) => partitions.filter((s) => s !== undefined))
        .filter(
          (s) =>
            !covered.has(`${s.topic}[${s.partition}]`) && s.lastEventTime >= partial.windowStart - windowMs,
        )
        .map((s) => ({ topic: s.topic, partition: s.partition }));
      const value = encodePartial(partial, {
        ...this.#options.model(),
        replica,
        closedBy,
        empty,
        late: this.#windows.late,
      });
      if (value.length > this.#maxBytes) {
        this.#failures?.inc({ kind: 'partial' });
        this.#logger?.error(
          { windowStart: partial.windowStart, bytes: value.length, maxBytes: this.#maxBytes },
          'a drift partial is larger than the producer may send; lower drift.sampleSize',
        );
        continue;
      }
      this.#partials?.inc({ closed_by: closedBy });
      this.#send(partialsTopic, { key: String(partial.windowStart), value }, 'partial');
    }
  }

  #fastShift(direction: 'increase' | 'decrease', eventTime: number): void {
    this.#alarms?.inc();
    const alert: DriftAlert = {
      kind: 'fast-shift',
      state: 'raised',
      ...this.#options.model(),
      column: this.#options.columns.numericNames[this.#options.columns.scoreIndex]!,
      windowStart: this.#windows.windowOf(eventTime),
      windowEnd: this.#windows.windowOf(eventTime) + this.#options.windowMs,
      replica: this.#options.replica,
      detail: `the score's mean ${direction === 'increase' ? 'rose' : 'fell'} (Page-Hinkley)`,
      atMs: Date.now(),
    };
    this.#logger?.warn(alert, 'drift alert');
    this.#send(this.#options.alertsTopic, { key: alert.model, value: encodeAlert(alert) }, 'alert');
    publishLive(this.#options.liveFeed, 'alerts', [alert]);
  }

  #send(topic: string, record: OutgoingRecord, kind: 'partial' | 'alert'): void {
    const producer = this.#producer;
    if (!producer) return;
    const sent = producer
      .send(topic, [record])
      .catch((error: unknown) => {
        this.#failures?.inc({ kind });
        this.#logger?.warn(
          { err: error, topic },
          `a drift ${kind} could not be sent; drift goes on without it`,
        );
      })
      .finally(() => this.#pending.delete(sent));
    this.#pending.add(sent);
  }
}
