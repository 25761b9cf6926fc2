import { describe, expect, it } from 'vitest';
import { decodePartial, encodePartial, type PartialMessage } from '../tap/partial-message.ts';
import { EventTimeWindows } from '../window/event-time-windows.ts';
import type { WindowLayout } from '../window/window-state.ts';
import { WindowAggregator } from './window-aggregator.ts';

const layout: WindowLayout = {
  numeric: [{ name: 'x', edges: [0.25, 0.5, 0.75] }],
  categorical: [{ name: 'c', categories: ['a', 'b'], folded: [] }],
  sampleSize: 16,
};
const partitions = [0, 1, 2, 3].map((partition) => ({ topic: 'events', partition }));
const WINDOW = 1000;

interface Event {
  id: string;
  time: number;
  partition: number;
  offset: number;
}

function events(count: number, windowStart = 0): Event[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `e${windowStart}-${i}`,
    time: windowStart + ((i * 7) % WINDOW),
    partition: i % 4,
    offset: Math.floor(i / 4),
  }));
}

/** What one replica that saw `seen` sends for its windows (through the JSON the topic carries). */
function partialsOf(seen: Event[], replica: string, empty: number[] = []): PartialMessage[] {
  const windows = new EventTimeWindows({ layout, sizeMs: WINDOW, graceMs: 0, idleCloseMs: 60_000 });
  for (const e of seen)
    windows.add(
      e.id,
      e.time,
      'events',
      e.partition,
      e.offset,
      [(e.offset % 10) / 10],
      [e.offset % 3 === 0 ? 'a' : e.offset % 3 === 1 ? 'b' : 'z'],
      0,
    );
  return windows.closeAll().map((partial) => {
    const decoded = decodePartial(
      encodePartial(partial, {
        model: 'm',
        modelVersion: '1',
        replica,
        closedBy: 'shutdown',
        empty: empty.map((partition) => ({ topic: 'events', partition })),
        late: 0,
      }),
    );
    if (typeof decoded === 'string') throw new Error(decoded);
    return decoded;
  });
}

const aggregator = () => new WindowAggregator({ layout, partitions, timeoutMs: 5000 });

describe('the drift aggregator', () => {
  it("reports a window once both replicas' partials cover every partition, with exactly one process's state", () => {
    const all = events(400);
    const a = partialsOf(
      all.filter((e) => e.partition < 2),
      'a',
    );
    const b = partialsOf(
      all.filter((e) => e.partition >= 2),
      'b',
    );
    const merging = aggregator();
    merging.add(a[0]!, 0);
    expect(merging.due(0)).toEqual([]);
    merging.add(b[0]!, 0);
    const [window, ...rest] = merging.due(0);
    expect(rest).toEqual([]);
    expect(window!.partial).toBe(false);
    expect(window!.replicas).toEqual(['a', 'b']);
    expect(window!.coverage.map((c) => c.partition)).toEqual([0, 1, 2, 3]);
    const one = aggregator();
    one.add(partialsOf(all, 'solo')[0]!, 0);
    expect(window!.state.toJSON()).toEqual(one.due(0)[0]!.state.toJSON());
  });

  it('counts a partition a replica read and found empty in the window as covered', () => {
    const some = events(400).filter((e) => e.partition !== 3);
    const merging = aggregator();
    merging.add(partialsOf(some, 'a', [3])[0]!, 0);
    const [window] = merging.due(0);
    expect(window!.partial).toBe(false);
  });

  it('waits for a missing partition until the timeout, then reports the window as partial, naming the gap', () => {
    const merging = aggregator();
    merging.add(
      partialsOf(
        events(400).filter((e) => e.partition < 2),
        'a',
      )[0]!,
      0,
    );
    expect(merging.due(4999)).toEqual([]);
    const [window] = merging.due(5000);
    expect(window!.partial).toBe(true);
    expect(window!.gaps).toEqual(['events[2]', 'events[3]']);
  });

  it('marks a window whose partials both counted the same offsets (a rebalance, a restart) partial', () => {
    const all = events(400);
    const merging = aggregator();
    merging.add(partialsOf(all, 'a')[0]!, 0);
    merging.add(partialsOf(all.slice(0, 40), 'b')[0]!, 0);
    const [window] = merging.due(0);
    expect(window!.partial).toBe(true);
    expect(window!.overlaps.length).toBe(4);
  });

  it('counts a partial for a window already reported as late, and leaves it out', () => {
    const merging = aggregator();
    merging.add(partialsOf(events(400), 'a')[0]!, 0);
    expect(merging.due(0)).toHaveLength(1);
    expect(merging.add(partialsOf(events(10), 'b')[0]!, 0)).toBe('late');
    expect(merging.latePartials).toBe(1);
    expect(merging.pendingWindows).toBe(0);
  });

  it('reports windows in window order: a complete window waits for an earlier one to complete or time out', () => {
    const merging = aggregator();
    merging.add(
      partialsOf(
        events(400, 0).filter((e) => e.partition < 2),
        'a',
      )[0]!,
      0,
    );
    merging.add(partialsOf(events(400, WINDOW), 'a')[0]!, 0);
    expect(merging.due(100)).toEqual([]);
    expect(merging.due(5000).map((w) => [w.windowStart, w.partial])).toEqual([
      [0, true],
      [WINDOW, false],
    ]);
  });

  it('rejects a partial whose state does not fit its layout, naming the column', () => {
    const [partial] = partialsOf(events(40), 'a');
    partial!.state.binCounts[0] = [1, 2];
    expect(() => aggregator().add(partial!, 0)).toThrow(
      /binCounts\[0\] \(x\): 2 entries where the layout has 4/,
    );
  });
});
