import { describe, expect, it } from 'vitest';
import { decodeSampleValues, encodeSample } from './sample-codec.ts';
import { type WindowLayout, WindowState } from './window-state.ts';

const layout: WindowLayout = {
  numeric: [
    { name: 'x', edges: [0, 1] },
    { name: 'y', edges: [10] },
  ],
  categorical: [],
  sampleSize: 4,
};

describe('a window sample on the partials topic', () => {
  it('carries every double exactly, NaN (missing) included, in sample order', () => {
    const state = new WindowState(layout);
    const values = [0.1 + 0.2, Number.NaN, -0, 5e-324, Number.MAX_VALUE, -1234.5678901234567];
    state.addRows(['a', 'b', 'c'], Float64Array.from(values), [], 3);
    const json = state.toJSON();
    const copy = WindowState.fromJSON(layout, JSON.parse(JSON.stringify(json)));
    expect(copy.toJSON()).toEqual(json);
    const events = copy.sample.events();
    expect(events.map((e) => e.id)).toEqual(json.sample.ids);
    const byId = new Map(events.map((e) => [e.id, Array.from(e.values)]));
    expect(byId.get('a')).toEqual([0.1 + 0.2, Number.NaN]);
    expect(Object.is(byId.get('b')![0], -0)).toBe(true);
    expect(byId.get('b')![1]).toBe(5e-324);
    expect(byId.get('c')).toEqual([Number.MAX_VALUE, -1234.5678901234567]);
  });

  it('names a length that is not one row per id', () => {
    const sample = encodeSample([{ hash: 1, id: 'a', values: Float64Array.of(1, 2) }], 2);
    expect(() => decodeSampleValues({ ...sample, ids: ['a', 'b'] }, 2)).toThrow(
      /16 bytes of base64 where 2 events of 2 columns need 32/,
    );
    expect(() => decodeSampleValues(sample, 3)).toThrow(/where 1 events of 3 columns need 24/);
  });

  it('refuses text that is not canonical base64 rather than reading what is left of it', () => {
    const sample = encodeSample([{ hash: 1, id: 'a', values: Float64Array.of(1, 2) }], 2);
    expect(() => decodeSampleValues({ ...sample, values: `${sample.values.slice(0, -4)}!!!!` }, 2)).toThrow(
      /sample values/,
    );
    expect(() => decodeSampleValues({ ...sample, values: 'not base64 at all' }, 2)).toThrow(/sample values/);
  });

  it('refuses an infinite value, naming the event and column', () => {
    const sample = encodeSample(
      [{ hash: 1, id: 'evt-9', values: Float64Array.of(1, Number.NEGATIVE_INFINITY) }],
      2,
    );
    expect(() => decodeSampleValues(sample, 2)).toThrow(/event evt-9 has an infinite value in column 1/);
  });
});
