import type { FeatureRow } from './feature-store.ts';

/**
 * The packed layout: one Redis string per entity, read with one MGET per batch. Written by the
 * feature loader, read by the Redis store; this module is the only definition of the format.
 *
 *   byte 0        format version (1)
 *   bytes 1..8    timestamp, epoch ms, float64 little-endian (NaN: none)
 *   then 8 bytes  per declared field, in the view's declaration order, float64 LE (NaN: absent)
 *
 * A value shorter than the view declares lacks its trailing fields (they count as missing), so
 * appending a field to a view stays compatible with values already stored; reordering does not.
 */
export const PACKED_FORMAT_VERSION = 1;
const HEADER_BYTES = 9;

export function encodePackedFeatures(
  fields: readonly string[],
  values: Readonly<Record<string, number | undefined>>,
  updatedAtMs: number | undefined,
): Buffer {
  const out = Buffer.allocUnsafe(HEADER_BYTES + fields.length * 8);
  out.writeUInt8(PACKED_FORMAT_VERSION, 0);
  out.writeDoubleLE(updatedAtMs ?? Number.NaN, 1);
  for (let i = 0; i < fields.length; i++)
    out.writeDoubleLE(values[fields[i]!] ?? Number.NaN, HEADER_BYTES + i * 8);
  return out;
}

/** Decodes a stored value; a value of another version or a torn length is `malformed` (every field is wrongly typed). */
export function decodePackedFeatures(value: Buffer, fields: readonly string[]): FeatureRow | 'malformed' {
  if (
    value.length < HEADER_BYTES ||
    value[0] !== PACKED_FORMAT_VERSION ||
    (value.length - HEADER_BYTES) % 8 !== 0
  ) {
    return 'malformed';
  }
  const values: Record<string, number> = {};
  const stored = Math.min(fields.length, (value.length - HEADER_BYTES) / 8);
  for (let i = 0; i < stored; i++) {
    const v = value.readDoubleLE(HEADER_BYTES + i * 8);
    if (!Number.isNaN(v)) values[fields[i]!] = v;
  }
  const updatedAtMs = value.readDoubleLE(1);
  return Number.isNaN(updatedAtMs) ? { values } : { values, updatedAtMs };
}
