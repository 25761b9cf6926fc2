import type { PartitionCoverage } from '../../../schemas/index.ts';
import { type WindowLayout, WindowState } from '../window/window-state.ts';
import type { AggregatedWindow } from './window-aggregator.ts';

export interface SlidingWindowsOptions {
  layout: WindowLayout;
  /** The reported window's length; a multiple of the pane length. */
  windowMs: number;
  /** The pane length (`drift.slideMs`): the tap's tumbling windows, one report at each pane's end. */
  slideMs: number;
}

/**
 * Sliding drift windows made of tumbling panes: the aggregator merges each pane from the
 * replicas' partials as before, and each merged pane, in pane order, yields the window of
 * `windowMs` that ends with it. Its counts are kept running, adding the pane that enters and
 * subtracting the ones that leave (equal to a recompute: see the window-state property tests);
 * its sample is the bottom-k merge of the panes' samples, which is exactly the bottom k of the
 * window's events. A window is marked partial when a pane in it was, or when it starts before the
 * first pane this aggregator saw (it has not watched the whole window). Memory: the panes of one
 * window.
 */
export class SlidingWindows {
  readonly #options: SlidingWindowsOptions;
  readonly #panes: AggregatedWindow[] = [];
  readonly #running: WindowState;
  #firstPaneStart = Number.POSITIVE_INFINITY;

  constructor(options: SlidingWindowsOptions) {
    const { windowMs, slideMs } = options;
    if (!(slideMs > 0 && windowMs % slideMs === 0))
      throw new RangeError(`the window (${windowMs} ms) must be a multiple of the slide (${slideMs} ms)`);
    this.#options = options;
    this.#running = new WindowState(options.layout);
  }

  /** Panes held now (at most windowMs / slideMs). */
  get panes(): number {
    return this.#panes.length;
  }

  /** The window that ends with this pane; panes come in pane order (the aggregator reports in window order). */
  add(pane: AggregatedWindow): AggregatedWindow {
    const { layout, windowMs } = this.#options;
    const end = pane.windowEnd;
    const start = end - windowMs;
    this.#firstPaneStart = Math.min(this.#firstPaneStart, pane.windowStart);
    this.#panes.push(pane);
    this.#running.addCounts(pane.state);
    while (this.#panes.length > 0 && this.#panes[0]!.windowStart < start)
      this.#running.subtractCounts(this.#panes.shift()!.state);
    const state = new WindowState(layout);
    state.addCounts(this.#running);
    for (const p of this.#panes) state.sample.merge(p.state.sample);
    const panes = this.#panes;
    return {
      windowStart: start,
      windowEnd: end,
      model: pane.model,
      modelVersion: [...new Set(panes.flatMap((p) => p.modelVersion.split(',')))].sort().join(','),
      state,
      coverage: unionCoverage(panes.flatMap((p) => p.coverage)),
      partial: start < this.#firstPaneStart || panes.some((p) => p.partial),
      gaps: panes.flatMap((p) => p.gaps),
      overlaps: panes.flatMap((p) => p.overlaps),
      partials: panes.reduce((n, p) => n + p.partials, 0),
      replicas: [...new Set(panes.flatMap((p) => p.replicas))].sort(),
    };
  }
}

/** Per partition, the lowest and highest offset of any of the ranges. */
function unionCoverage(ranges: readonly PartitionCoverage[]): PartitionCoverage[] {
  const byPartition = new Map<string, PartitionCoverage>();
  for (const r of ranges) {
    const key = `${r.topic}[${r.partition}]`;
    const seen = byPartition.get(key);
    if (!seen) byPartition.set(key, { ...r });
    else {
      seen.from_offset = Math.min(seen.from_offset, r.from_offset);
      seen.to_offset = Math.max(seen.to_offset, r.to_offset);
    }
  }
  return [...byPartition.values()].sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
}
