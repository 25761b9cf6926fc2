import { describe, expect, it } from 'vitest';
import { featureWrite, toFeatureRecord } from './feature-record.ts';
import { featureViewSchema } from './feature-view-config.ts';
import { decodePackedFeatures } from './packed-features.ts';
import { parseFeatureValue } from './parse-feature-value.ts';

const view = featureViewSchema.parse({
  fields: { score: { type: 'double' }, count: { type: 'long' }, vip: { type: 'boolean' } },
});

describe('a loader row is checked against its view', () => {
  it('accepts typed JSON values and text from CSV alike', () => {
    expect(toFeatureRecord({ key: 'a', score: 1.5, count: 3, vip: true, updated_at: 10 }, view, 99)).toEqual({
      key: 'a',
      values: { score: 1.5, count: 3, vip: 1 },
      updatedAtMs: 10,
    });
    expect(
      toFeatureRecord({ key: 'a', score: '1.5', count: '3', vip: 'false', extra: 'ignored' }, view, 99),
    ).toEqual({
      key: 'a',
      values: { score: 1.5, count: 3, vip: 0 },
      updatedAtMs: 99,
    });
  });

  it('names every reason a row is bad', () => {
    const bad = toFeatureRecord({ score: 'abc', count: 2.5, vip: 'maybe', updated_at: 'yesterday' }, view, 0);
    expect(bad).toEqual({
      reasons: [
        '"key" must be a non-empty string',
        'score: "abc" is not a double',
        'count: 2.5 is not a long',
        'vip: "maybe" is not a boolean',
        'updated_at: "yesterday" is not epoch ms',
      ],
    });
  });

  it('writes what the store reads back: packed values, or hash fields with the timestamp', () => {
    const record = { key: 'a', values: { score: 2, vip: 1 }, updatedAtMs: 5 };
    const packed = featureWrite(record, view, Object.keys(view.fields));
    expect(packed.kind === 'set' && decodePackedFeatures(packed.value, Object.keys(view.fields))).toEqual({
      values: { score: 2, vip: 1 },
      updatedAtMs: 5,
    });
    const hash = featureWrite(record, { ...view, layout: 'hash' }, Object.keys(view.fields));
    expect(hash).toEqual({ kind: 'hset', fields: { updated_at: '5', score: '2', vip: '1' } });
  });

  it('parses hash text strictly: blanks, NaN and fractions of a long are the wrong type', () => {
    expect(parseFeatureValue('', 'double')).toBeUndefined();
    expect(parseFeatureValue('NaN', 'double')).toBeUndefined();
    expect(parseFeatureValue('1e3', 'long')).toBe(1000);
    expect(parseFeatureValue('1.5', 'long')).toBeUndefined();
    expect(parseFeatureValue('true', 'boolean')).toBe(1);
  });
});
