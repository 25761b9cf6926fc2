import { type WindowLayout, WindowState } from './window-state.ts';

/** The input offsets a partial state covers, per source partition: from the first to the last offset it counted. */
export interface OffsetRange {
  topic: string;
  partition: number;
  from: number;
  to: number;
}

/** One replica's part of a window, closed: the window, the offsets it covers and its state. */
export interface PartialWindow {
  windowStart: number;
  windowEnd: number;
  coverage: OffsetRange[];
  state: WindowState;
}

export interface EventTimeWindowOptions {
  layout: WindowLayout;
  /** Window length in ms; windows are aligned to multiples of it (epoch 0), so every replica cuts the same ones. */
  sizeMs: number;
  /** How long after a window's end (by the watermark) events may still arrive for it. */
  graceMs: number;
  /** A window with no event for this long (by the wall clock) is closed anyway: idle partitions do not hold it open. */
  idleCloseMs: number;
}

/** A window still taking events: its state, and the offsets it has counted per source partition. */
export class OpenWindow {
  readonly start: number;
  readonly state: WindowState;
  /** Per topic, per partition: the offsets counted. */
  readonly coverage = new Map<string, OffsetRange[]>();
  lastAddedAtMs: number;
  /** The last topic covered and its ranges: consecutive events mostly share a topic. */
  #lastTopic: string | undefined;
  #lastRanges: OffsetRange[] = [];

  constructor(start: number, layout: WindowLayout, nowMs: number) {
    this.start = start;
    this.state = new WindowState(layout);
    this.lastAddedAtMs = nowMs;
  }

  /** Widens the covered range of the event's source partition to its offset. */
  cover(topic: string, partition: number, offset: number): void {
    let ranges = this.#lastRanges;
    if (this.#lastTopic !== topic) {
      ranges = this.coverage.get(topic) ?? [];
      this.coverage.set(topic, ranges);
      this.#lastTopic = topic;
      this.#lastRanges = ranges;
    }
    const range = ranges[partition];
    if (!range) ranges[partition] = { topic, partition, from: offset, to: offset };
    else {
      if (offset < range.from) range.from = offset;
      if (offset > range.to) range.to = offset;
    }
  }
}

/**
 * Tumbling event-time windows of one replica. An event goes to the window its event time falls in;
 * the watermark is the largest event time seen minus the grace period, and a window closes once
 * the watermark passes its end, or when it has received nothing for `idleCloseMs` of wall-clock
 * time. An event for a window already closed is counted as late and dropped from drift (it is
 * still scored). Memory is bounded by the open windows: each is one WindowState.
 */
export class EventTimeWindows {
  readonly #options: EventTimeWindowOptions;
  readonly #open = new Map<number, OpenWindow>();
  #maxEventTime = Number.NEGATIVE_INFINITY;
  #closedBefore = Number.NEGATIVE_INFINITY;
  #last: OpenWindow | undefined;
  late = 0;

  constructor(options: EventTimeWindowOptions) {
    if (!(options.sizeMs > 0)) throw new RangeError('the window size must be positive');
    this.#options = options;
  }

  /** The start of the window an event time falls in. */
  windowOf(eventTimeMs: number): number {
    return Math.floor(eventTimeMs / this.#options.sizeMs) * this.#options.sizeMs;
  }

  /**
   * The open window an event time falls in, opened when new, or undefined when that window has
   * closed already (the event is counted late). The caller covers the event's offset and adds its
   * values to the window's state.
   */
  windowAt(eventTimeMs: number, nowMs: number): OpenWindow | undefined {
    const start = this.windowOf(eventTimeMs);
    if (start < this.#closedBefore) {
      this.late++;
      return undefined;
    }
    if (eventTimeMs > this.#maxEventTime) this.#maxEventTime = eventTimeMs;
    // Consecutive events mostly share a window: skip the lookup then.
    const last = this.#last;
    if (last !== undefined && last.start === start) {
      last.lastAddedAtMs = nowMs;
      return last;
    }
    let window = this.#open.get(start);
    if (!window) {
      window = new OpenWindow(start, this.#options.layout, nowMs);
      this.#open.set(start, window);
    }
    window.lastAddedAtMs = nowMs;
    this.#last = window;
    return window;
  }

  /** Raises the watermark's base to this event time (the tap notes each batch's latest once). */
  noteEventTime(eventTimeMs: number): void {
    if (eventTimeMs > this.#maxEventTime) this.#maxEventTime = eventTimeMs;
  }

  /** One event and its column values (the tap batches them through `windowAt` instead). */
  add(
    id: string,
    eventTimeMs: number,
    topic: string,
    partition: number,
    offset: number,
    numeric: ArrayLike<number>,
    categorical: ArrayLike<string | null>,
    nowMs: number,
  ): void {
    const window = this.windowAt(eventTimeMs, nowMs);
    if (!window) return;
    window.cover(topic, partition, offset);
    window.state.add(id, numeric, categorical);
  }

  /** The windows the watermark (or idleness) has closed, oldest first; they are forgotten here. */
  closeDue(nowMs: number): PartialWindow[] {
    const { sizeMs, graceMs, idleCloseMs } = this.#options;
    const watermark = this.#maxEventTime - graceMs;
    const due = [...this.#open.values()]
      .filter((w) => w.start + sizeMs <= watermark || nowMs - w.lastAddedAtMs >= idleCloseMs)
      .sort((a, b) => a.start - b.start);
    for (const w of due) {
      this.#open.delete(w.start);
      if (this.#last === w) this.#last = undefined;
      this.#closedBefore = Math.max(this.#closedBefore, w.start + sizeMs);
    }
    return due.map((w) => ({
      windowStart: w.start,
      windowEnd: w.start + sizeMs,
      coverage: [...w.coverage.values()]
        .flatMap((ranges) => ranges.filter((r) => r !== undefined))
        .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1)),
      state: w.state,
    }));
  }

  /** Every open window, closed now (shutdown: what was counted is still reported, as partial). */
  closeAll(): PartialWindow[] {
    return this.closeDue(Number.POSITIVE_INFINITY);
  }

  get openWindows(): number {
    return this.#open.size;
  }
}
