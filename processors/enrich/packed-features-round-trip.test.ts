import { describe, expect, it } from 'vitest';
import { decodePackedFeatures, encodePackedFeatures } from './packed-features.ts';

describe('the packed feature format', () => {
  it('round-trips values and the timestamp, and leaves absent fields absent', () => {
    const fields = ['a', 'b', 'c'];
    const packed = encodePackedFeatures(fields, { a: 1.5, c: -3 }, 1_700_000_000_123);
    expect(packed.length).toBe(1 + 8 + 3 * 8);
    expect(decodePackedFeatures(packed, fields)).toEqual({
      values: { a: 1.5, c: -3 },
      updatedAtMs: 1_700_000_000_123,
    });
  });

  it('reads a value written before a field was appended, with the new field missing', () => {
    const packed = encodePackedFeatures(['a'], { a: 2 }, undefined);
    expect(decodePackedFeatures(packed, ['a', 'b'])).toEqual({ values: { a: 2 } });
  });

  it('calls another version or a torn value malformed', () => {
    const packed = encodePackedFeatures(['a'], { a: 2 }, 1);
    expect(decodePackedFeatures(packed.subarray(0, 12), ['a'])).toBe('malformed');
    const otherVersion = Buffer.from(packed);
    otherVersion[0] = 9;
    expect(decodePackedFeatures(otherVersion, ['a'])).toBe('malformed');
    expect(decodePackedFeatures(Buffer.from('not packed'), ['a'])).toBe('malformed');
  });
});
