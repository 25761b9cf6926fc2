import { describe, expect, it } from 'vitest';
import { Rng } from '../../../models/generator/index.ts';
import { type WindowLayout, WindowState } from './window-state.ts';

const layout: WindowLayout = {
  numeric: [
    { name: 'amount', edges: [5, 10, 20, 40, 80] },
    { name: 'score', edges: [0.1, 0.5, 0.9] },
  ],
  categorical: [{ name: 'channel', categories: ['POS', 'ONLINE', 'ATM'], folded: ['KIOSK'] }],
  sampleSize: 64,
};

interface Event {
  id: string;
  numeric: number[];
  categorical: Array<string | null>;
}

function events(count: number, seed: number): Event[] {
  const rng = new Rng(seed);
  const channels = ['POS', 'ONLINE', 'ATM', 'KIOSK', 'CRYPTO', null, ''];
  return Array.from({ length: count }, (_, i) => ({
    id: `e-${seed}-${i}`,
    numeric: [rng.next() < 0.05 ? Number.NaN : rng.next() * 100, rng.next()],
    categorical: [channels[Math.floor(rng.next() * channels.length)]!],
  }));
}

function stateOf(list: readonly Event[]): WindowState {
  const state = new WindowState(layout);
  for (const e of list) state.add(e.id, e.numeric, e.categorical);
  return state;
}

describe('a drift window state', () => {
  const all = events(5000, 1);
  const whole = stateOf(all).toJSON();

  it('merged from any split of its events over replicas, is exactly the state of one process that saw them all', () => {
    const rng = new Rng(9);
    for (const replicas of [2, 3, 7]) {
      const parts = Array.from({ length: replicas }, () => [] as Event[]);
      for (const e of all) parts[Math.floor(rng.next() * replicas)]!.push(e);
      const merged = stateOf(parts[0]!);
      for (const part of parts.slice(1)) merged.merge(stateOf(part));
      expect(merged.toJSON()).toEqual(whole);
    }
  });

  it('does not depend on the order its events arrived in', () => {
    const shuffled = [...all].reverse();
    expect(stateOf(shuffled).toJSON()).toEqual(whole);
  });

  it('counts OTHER for folded categories, UNSEEN for new ones and MISSING for null or empty', () => {
    const state = stateOf([
      { id: 'a', numeric: [1, 0.2], categorical: ['KIOSK'] },
      { id: 'b', numeric: [1, 0.2], categorical: ['CRYPTO'] },
      { id: 'c', numeric: [Number.NaN, 0.2], categorical: [null] },
      { id: 'd', numeric: [5, 0.2], categorical: [''] },
    ]);
    expect(Object.fromEntries(state.categoryCounts[0]!)).toEqual({ OTHER: 1, UNSEEN: 1, MISSING: 2 });
    expect(Array.from(state.missingCounts)).toEqual([1, 0]);
    // 5 is an edge: it falls in the bin above it.
    expect(Array.from(state.binCounts[0]!)).toEqual([2, 1, 0, 0, 0, 0]);
  });

  it('slid by subtraction (a pane out, a pane in) has the counts of a recompute', () => {
    const panes = [events(700, 2), events(900, 3), events(800, 4), events(600, 5)];
    const sliding = stateOf(panes[0]!);
    sliding.merge(stateOf(panes[1]!));
    sliding.merge(stateOf(panes[2]!));
    sliding.subtractCounts(stateOf(panes[0]!));
    sliding.merge(stateOf(panes[3]!));
    const recomputed = stateOf([...panes[1]!, ...panes[2]!, ...panes[3]!]).toJSON();
    const slid = sliding.toJSON();
    for (const key of ['count', 'binCounts', 'missingCounts', 'categoryCounts'] as const)
      expect(slid[key]).toEqual(recomputed[key]);
  });

  it('keeps a bounded sample: the 64 events of smallest hash, whatever the window size', () => {
    const big = stateOf(events(20_000, 6));
    expect(big.sample.size).toBe(64);
    expect(big.sampledValues(1)).toHaveLength(64);
  });
});
