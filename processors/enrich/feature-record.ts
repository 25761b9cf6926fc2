import type { FeatureViewConfig } from './feature-view-config.ts';
import { encodePackedFeatures } from './packed-features.ts';
import { parseFeatureValue } from './parse-feature-value.ts';

/** One entity's features as the loader writes them: typed values and the write time. */
export interface FeatureRecord {
  key: string;
  values: Record<string, number>;
  updatedAtMs: number;
}

/**
 * Checks one input row (a parsed CSV line or JSON object) against a view: a string `key`, each
 * declared field absent or of its type, the timestamp field absent (then `nowMs`) or epoch ms.
 * Columns the view does not declare are ignored. Returns the reasons when the row is bad.
 */
export function toFeatureRecord(
  row: Readonly<Record<string, unknown>>,
  view: FeatureViewConfig,
  nowMs: number,
): FeatureRecord | { reasons: string[] } {
  const reasons: string[] = [];
  const key = row.key;
  if (typeof key !== 'string' || key === '') reasons.push('"key" must be a non-empty string');
  const values: Record<string, number> = {};
  for (const [name, field] of Object.entries(view.fields)) {
    const raw = row[name];
    if (raw === undefined || raw === null || raw === '') continue;
    const value = typedValue(raw, field.type);
    if (value === undefined) reasons.push(`${name}: ${JSON.stringify(raw)} is not a ${field.type}`);
    else values[name] = value;
  }
  let updatedAtMs = nowMs;
  const stamp = row[view.timestampField];
  if (stamp !== undefined && stamp !== null && stamp !== '') {
    const parsed = typedValue(stamp, 'long');
    if (parsed === undefined || parsed < 0)
      reasons.push(`${view.timestampField}: ${JSON.stringify(stamp)} is not epoch ms`);
    else updatedAtMs = parsed;
  }
  return reasons.length > 0 ? { reasons } : { key: key as string, values, updatedAtMs };
}

function typedValue(raw: unknown, type: FeatureViewConfig['fields'][string]['type']): number | undefined {
  if (typeof raw === 'string') return parseFeatureValue(raw, type);
  if (typeof raw === 'boolean') return type === 'boolean' ? (raw ? 1 : 0) : undefined;
  if (typeof raw !== 'number' || !Number.isFinite(raw)) return undefined;
  if (type === 'long' && !Number.isInteger(raw)) return undefined;
  if (type === 'boolean' && raw !== 0 && raw !== 1) return undefined;
  return raw;
}

/** The Redis write of one record in the view's layout: a packed value, or the hash fields with the timestamp. */
export function featureWrite(
  record: FeatureRecord,
  view: FeatureViewConfig,
  fieldOrder: readonly string[],
): { kind: 'set'; value: Buffer } | { kind: 'hset'; fields: Record<string, string> } {
  if (view.layout === 'packed') {
    return { kind: 'set', value: encodePackedFeatures(fieldOrder, record.values, record.updatedAtMs) };
  }
  const fields: Record<string, string> = { [view.timestampField]: String(record.updatedAtMs) };
  for (const [name, value] of Object.entries(record.values)) fields[name] = String(value);
  return { kind: 'hset', fields };
}
