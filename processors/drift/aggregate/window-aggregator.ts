import type { PartitionCoverage } from '../../../schemas/index.ts';
import type { PartialMessage } from '../tap/partial-message.ts';
import type { OffsetRange } from '../window/event-time-windows.ts';
import { type WindowLayout, WindowState } from '../window/window-state.ts';

/** A window merged from its partials, ready to report. */
export interface AggregatedWindow {
  windowStart: number;
  windowEnd: number;
  model: string;
  modelVersion: string;
  state: WindowState;
  /** Per input partition, the lowest and highest offset any partial counted. */
  coverage: PartitionCoverage[];
  /** True when coverage had a gap (a partition nobody accounted for at the timeout) or an overlap. */
  partial: boolean;
  /** What made it partial, for the log. */
  gaps: string[];
  overlaps: string[];
  partials: number;
  replicas: string[];
}

export interface WindowAggregatorOptions {
  layout: WindowLayout;
  /** The input partitions every complete window accounts for (the events topic's). */
  partitions: ReadonlyArray<{ topic: string; partition: number }>;
  /** A window still missing a partition this long after its first partial is reported as partial. */
  timeoutMs: number;
  /** At most this many windows wait at once; the oldest is reported (as partial) to make room. */
  maxPendingWindows?: number;
}

interface PendingWindow {
  start: number;
  end: number;
  model: string;
  versions: Set<string>;
  state: WindowState;
  ranges: Map<string, OffsetRange[]>;
  empty: Set<string>;
  overlaps: string[];
  firstAtMs: number;
  partials: number;
  replicas: Set<string>;
}

const keyOf = (topic: string, partition: number) => `${topic}[${partition}]`;

/**
 * Merges the replicas' partials of each drift window. A window is complete once every input
 * partition is covered by some partial's offsets or named empty by a replica that read it; it is
 * reported then, or at the timeout with `partial` set. Two partials whose offset ranges on one
 * partition intersect counted some events twice (a rebalance or a restart): that window is partial
 * too. Windows are reported in window order, so the alert's window-to-window logic sees them in
 * sequence; a partial for a window already reported is late and only counted.
 */
export class WindowAggregator {
  readonly #options: WindowAggregatorOptions;
  readonly #pending = new Map<number, PendingWindow>();
  #reportedThrough = Number.NEGATIVE_INFINITY;
  latePartials = 0;

  constructor(options: WindowAggregatorOptions) {
    this.#options = options;
  }

  get pendingWindows(): number {
    return this.#pending.size;
  }

  /** Merges one partial; 'late' when its window was reported already. Throws a RangeError when its state does not fit the layout. */
  add(message: PartialMessage, nowMs: number): 'merged' | 'late' {
    if (message.windowStart <= this.#reportedThrough) {
      this.latePartials++;
      return 'late';
    }
    const state = WindowState.fromJSON(this.#options.layout, message.state);
    let window = this.#pending.get(message.windowStart);
    if (!window) {
      window = {
        start: message.windowStart,
        end: message.windowEnd,
        model: message.model,
        versions: new Set(),
        state: new WindowState(this.#options.layout),
        ranges: new Map(),
        empty: new Set(),
        overlaps: [],
        firstAtMs: nowMs,
        partials: 0,
        replicas: new Set(),
      };
      this.#pending.set(message.windowStart, window);
    }
    window.state.merge(state);
    window.versions.add(message.modelVersion);
    window.partials++;
    window.replicas.add(message.replica);
    for (const range of message.coverage) {
      const key = keyOf(range.topic, range.partition);
      const ranges = window.ranges.get(key) ?? [];
      const clash = ranges.find((r) => r.from <= range.to && range.from <= r.to);
      if (clash)
        window.overlaps.push(`${key} offsets ${range.from}-${range.to} and ${clash.from}-${clash.to}`);
      ranges.push(range);
      window.ranges.set(key, ranges);
    }
    for (const idle of message.empty) window.empty.add(keyOf(idle.topic, idle.partition));
    return 'merged';
  }

  /** The windows to report now, oldest first: complete ones, and those past the timeout. */
  due(nowMs: number): AggregatedWindow[] {
    const max = this.#options.maxPendingWindows ?? 64;
    const out: AggregatedWindow[] = [];
    for (const window of [...this.#pending.values()].sort((a, b) => a.start - b.start)) {
      const gaps = this.#gaps(window);
      const ready =
        gaps.length === 0 || nowMs - window.firstAtMs >= this.#options.timeoutMs || this.#pending.size > max;
      if (!ready) break;
      out.push(this.#report(window, gaps));
    }
    return out;
  }

  /** Every waiting window, now (shutdown), partial where incomplete. */
  flush(): AggregatedWindow[] {
    return [...this.#pending.values()]
      .sort((a, b) => a.start - b.start)
      .map((window) => this.#report(window, this.#gaps(window)));
  }

  #gaps(window: PendingWindow): string[] {
    return this.#options.partitions
      .map((p) => keyOf(p.topic, p.partition))
      .filter((key) => !window.ranges.has(key) && !window.empty.has(key));
  }

  #report(window: PendingWindow, gaps: string[]): AggregatedWindow {
    this.#pending.delete(window.start);
    this.#reportedThrough = Math.max(this.#reportedThrough, window.start);
    const coverage: PartitionCoverage[] = [...window.ranges.values()]
      .map((ranges) => ({
        topic: ranges[0]!.topic,
        partition: ranges[0]!.partition,
        from_offset: Math.min(...ranges.map((r) => r.from)),
        to_offset: Math.max(...ranges.map((r) => r.to)),
      }))
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    return {
      windowStart: window.start,
      windowEnd: window.end,
      model: window.model,
      modelVersion: [...window.versions].sort().join(','),
      state: window.state,
      coverage,
      partial: gaps.length > 0 || window.overlaps.length > 0,
      gaps,
      overlaps: window.overlaps,
      partials: window.partials,
      replicas: [...window.replicas].sort(),
    };
  }
}
