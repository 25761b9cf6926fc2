import type { FeatureType } from './feature-view-config.ts';

/** Parses a hash field as its declared type; `undefined` means the stored text is not of that type. */
export function parseFeatureValue(text: string, type: FeatureType): number | undefined {
  if (type === 'boolean') {
    if (text === '1' || text === 'true') return 1;
    if (text === '0' || text === 'false') return 0;
    return undefined;
  }
  // Number('') and Number(' ') are 0, which would hide an empty field.
  if (text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) return undefined;
  if (type === 'long' && !Number.isInteger(value)) return undefined;
  return value;
}
