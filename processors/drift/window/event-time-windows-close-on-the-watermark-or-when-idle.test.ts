import { describe, expect, it } from 'vitest';
import { EventTimeWindows } from './event-time-windows.ts';
import type { WindowLayout } from './window-state.ts';

const layout: WindowLayout = { numeric: [{ name: 'x', edges: [0.5] }], categorical: [], sampleSize: 8 };
const MINUTE = 60_000;

function windows() {
  return new EventTimeWindows({ layout, sizeMs: MINUTE, graceMs: 5000, idleCloseMs: 30_000 });
}

/** The id, event time, topic, partition and offset of an event, as `add` takes them. */
const at = (eventTimeMs: number, offset: number, partition = 0) =>
  [`e${offset}-${partition}`, eventTimeMs, 'events', partition, offset] as const;

describe('event-time drift windows', () => {
  it('are aligned to the window size, so every replica cuts the same ones', () => {
    const w = windows();
    expect(w.windowOf(MINUTE * 7 + 59_999)).toBe(MINUTE * 7);
    expect(w.windowOf(MINUTE * 8)).toBe(MINUTE * 8);
  });

  it('close once the watermark (latest event time minus grace) passes their end, naming the offsets they cover', () => {
    const w = windows();
    w.add(...at(MINUTE * 10 + 1, 100), [0.1], [], 0);
    w.add(...at(MINUTE * 10 + 2, 7, 1), [0.9], [], 0);
    w.add(...at(MINUTE * 10 + 3, 101), [0.2], [], 0);
    w.add(...at(MINUTE * 11 + 4000, 102), [0.3], [], 0);
    expect(w.closeDue(0)).toEqual([]); // watermark 11:04 - 5 s = 10:59, before the window ends at 11:00
    w.add(...at(MINUTE * 11 + 5000, 103), [0.3], [], 0);
    const [closed, ...rest] = w.closeDue(0);
    expect(rest).toEqual([]);
    expect(closed!.windowStart).toBe(MINUTE * 10);
    expect(closed!.windowEnd).toBe(MINUTE * 11);
    expect(closed!.state.count).toBe(3);
    expect(closed!.coverage).toEqual([
      { topic: 'events', partition: 0, from: 100, to: 101 },
      { topic: 'events', partition: 1, from: 7, to: 7 },
    ]);
    expect(w.openWindows).toBe(1);
  });

  it('count an event for a closed window as late instead of reopening it', () => {
    const w = windows();
    w.add(...at(MINUTE * 10, 1), [0.1], [], 0);
    w.add(...at(MINUTE * 12, 2), [0.1], [], 0);
    expect(w.closeDue(0)).toHaveLength(1);
    w.add(...at(MINUTE * 10 + 10, 3), [0.1], [], 0);
    expect(w.late).toBe(1);
    expect(w.openWindows).toBe(1);
  });

  it('close a window that has received nothing for idleCloseMs, so an idle partition holds nothing open', () => {
    const w = windows();
    w.add(...at(MINUTE * 10, 1), [0.1], [], 1_000);
    expect(w.closeDue(30_999)).toEqual([]);
    expect(w.closeDue(31_000)).toHaveLength(1);
    expect(w.openWindows).toBe(0);
  });
});
