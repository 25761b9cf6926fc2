import { describe, expect, it } from 'vitest';
import { type WindowLayout, WindowState } from '../window/window-state.ts';
import { SlidingWindows } from './sliding-windows.ts';
import type { AggregatedWindow } from './window-aggregator.ts';

const layout: WindowLayout = {
  numeric: [
    { name: 'x', edges: [0.25, 0.5, 0.75] },
    { name: 'y', edges: [10] },
  ],
  categorical: [{ name: 'c', categories: ['a', 'b'], folded: [] }],
  sampleSize: 16,
};
const SLIDE = 10_000;
const WINDOW = 30_000;

interface Event {
  id: string;
  time: number;
  x: number;
  y: number;
  c: string | null;
}

function events(count: number): Event[] {
  let seed = 7;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  return Array.from({ length: count }, (_, i) => ({
    id: `e${i}`,
    time: Math.floor(random() * 10 * SLIDE),
    x: random(),
    y: i % 9 === 0 ? Number.NaN : random() * 20,
    c: i % 7 === 0 ? null : random() < 0.5 ? 'a' : random() < 0.9 ? 'b' : 'zz',
  }));
}

function stateOf(seen: readonly Event[]): WindowState {
  const state = new WindowState(layout);
  for (const e of seen) state.add(e.id, [e.x, e.y], [e.c]);
  return state;
}

function pane(start: number, seen: readonly Event[]): AggregatedWindow {
  const inPane = seen.filter((e) => e.time >= start && e.time < start + SLIDE);
  return {
    windowStart: start,
    windowEnd: start + SLIDE,
    model: 'm',
    modelVersion: '1',
    state: stateOf(inPane),
    coverage: [{ topic: 'events', partition: 0, from_offset: start / SLIDE, to_offset: start / SLIDE + 1 }],
    partial: false,
    gaps: [],
    overlaps: [],
    partials: 1,
    replicas: ['r'],
  };
}

describe('sliding drift windows made of panes', () => {
  it('report, at each pane, exactly the state one process computes from the window ending there', () => {
    const all = events(2000);
    const sliding = new SlidingWindows({ layout, windowMs: WINDOW, slideMs: SLIDE });
    for (let start = 0; start < 10 * SLIDE; start += SLIDE) {
      const window = sliding.add(pane(start, all));
      const end = start + SLIDE;
      expect([window.windowStart, window.windowEnd]).toEqual([end - WINDOW, end]);
      const recomputed = stateOf(all.filter((e) => e.time >= end - WINDOW && e.time < end));
      expect(window.state.toJSON()).toEqual(recomputed.toJSON());
      expect(sliding.panes).toBeLessThanOrEqual(WINDOW / SLIDE);
      // The first two windows start before anything was watched.
      expect(window.partial).toBe(end - WINDOW < 0);
      expect(window.coverage).toEqual([
        {
          topic: 'events',
          partition: 0,
          from_offset: Math.max(0, end - WINDOW) / SLIDE,
          to_offset: start / SLIDE + 1,
        },
      ]);
    }
  });

  it('skip panes that had no events and mark a window partial when a pane in it was', () => {
    const all = events(500);
    const sliding = new SlidingWindows({ layout, windowMs: WINDOW, slideMs: SLIDE });
    for (const start of [0, SLIDE, 2 * SLIDE]) sliding.add(pane(start, all));
    const partialPane = { ...pane(3 * SLIDE, all), partial: true, gaps: ['events[1]'] };
    expect(sliding.add(partialPane)).toMatchObject({ partial: true, gaps: ['events[1]'] });
    // Pane 4 had no events: pane 5's window holds panes 3 and 5 only, and pane 3 was partial.
    const after = sliding.add(pane(5 * SLIDE, all));
    expect(after.partial).toBe(true);
    expect(after.state.count).toBe(
      all.filter(
        (e) => (e.time >= 3 * SLIDE && e.time < 4 * SLIDE) || (e.time >= 5 * SLIDE && e.time < 6 * SLIDE),
      ).length,
    );
    // Once pane 3 has left, the window is whole again.
    expect(sliding.add(pane(6 * SLIDE, all)).partial).toBe(false);
  });

  it('refuse a window that is not a multiple of the slide', () => {
    expect(() => new SlidingWindows({ layout, windowMs: 25_000, slideMs: SLIDE })).toThrow(
      /window \(25000 ms\) must be a multiple of the slide \(10000 ms\)/,
    );
  });
});
