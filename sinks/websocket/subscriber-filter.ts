/**
 * Subscriber filters. A filter is evaluated once per (message, filtered subscriber) on the
 * publish hot path, so it is parsed once into a Set and a number and matching is two
 * comparisons: no regexes, no allocation, no field walking.
 */

/** What a subscriber asked to receive on a filterable channel; built by `parseFilter`, read by the hub on every publish. */
export interface SubscriberFilter {
  /** Exact match on the record's `key`; null means any key. */
  readonly keys: ReadonlySet<string> | null;
  /** Inclusive lower bound on the record's `score` (`score >= minScore`); null means any score. */
  readonly minScore: number | null;
  /** Exact match on the record's `model`; null means any model. */
  readonly model: string | null;
  /**
   * The share of records to pass, 0 to 1, chosen by a hash of the record's `event_id`, so every
   * client with the same rate gets the same records; null means all. Stored as a threshold on
   * the 32-bit hash.
   */
  readonly sampleBelow: number | null;
  readonly sample: number | null;
}

/** The wire form of a filter, echoed back in the `subscribed` reply so a client sees what it got. */
export interface FilterSpec {
  keys?: string[];
  minScore?: number;
  model?: string;
  sample?: number;
}

/** Bounds that keep one subscriber's filter from costing memory or parse time out of proportion. */
export const MAX_FILTER_KEYS = 1000;
export const MAX_FILTER_KEY_LENGTH = 256;

/** Result of `parseFilter`: a filter (null = receive everything) or a message naming the bad field. */
export type FilterParseResult =
  | { ok: true; filter: SubscriberFilter | null }
  | { ok: false; message: string };

const FILTER_FIELDS = new Set(['keys', 'minScore', 'model', 'sample']);

/** Validates the `filter` field of a subscribe message. Never throws: bad input is a message for the client. */
export function parseFilter(raw: unknown): FilterParseResult {
  if (raw === undefined || raw === null) return { ok: true, filter: null };
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, message: '"filter" must be an object like {"keys":["user-1"],"minScore":0.8}' };
  }
  const fields = raw as Record<string, unknown>;
  for (const name of Object.keys(fields)) {
    if (!FILTER_FIELDS.has(name)) {
      return {
        ok: false,
        message: `"filter.${name}" is not a filter field; use "keys", "minScore", "model" and/or "sample"`,
      };
    }
  }
  let keys: Set<string> | null = null;
  if (fields.keys !== undefined) {
    const list = fields.keys;
    if (!Array.isArray(list) || list.length === 0 || list.length > MAX_FILTER_KEYS) {
      return {
        ok: false,
        message: `"filter.keys" must be an array of 1 to ${MAX_FILTER_KEYS} strings`,
      };
    }
    keys = new Set();
    for (let i = 0; i < list.length; i++) {
      const key: unknown = list[i];
      if (typeof key !== 'string' || key.length === 0 || key.length > MAX_FILTER_KEY_LENGTH) {
        return {
          ok: false,
          message: `"filter.keys[${i}]" must be a non-empty string of at most ${MAX_FILTER_KEY_LENGTH} characters`,
        };
      }
      keys.add(key);
    }
  }
  let minScore: number | null = null;
  if (fields.minScore !== undefined) {
    if (typeof fields.minScore !== 'number' || !Number.isFinite(fields.minScore)) {
      return { ok: false, message: '"filter.minScore" must be a finite number' };
    }
    minScore = fields.minScore;
  }
  let model: string | null = null;
  if (fields.model !== undefined) {
    if (typeof fields.model !== 'string' || fields.model.length === 0 || fields.model.length > 256)
      return { ok: false, message: '"filter.model" must be a non-empty string of at most 256 characters' };
    model = fields.model;
  }
  let sample: number | null = null;
  if (fields.sample !== undefined) {
    const rate = fields.sample;
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1))
      return {
        ok: false,
        message: '"filter.sample" must be a number from 0 to 1 (the share of records to get)',
      };
    if (rate < 1) sample = rate;
  }
  // `{}` asks for nothing in particular: treat it as "no filter" so the hub takes the fast path.
  if (keys === null && minScore === null && model === null && sample === null)
    return { ok: true, filter: null };
  return {
    ok: true,
    filter: { keys, minScore, model, sample, sampleBelow: sample === null ? null : sample * 2 ** 32 },
  };
}

/**
 * A 32-bit hash of an event id (FNV-1a, then mixed): the `sample` filter passes a record when it falls below
 * rate × 2³², the same records for every client and every server.
 */
export function sampleHash(eventId: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) hash = Math.imul(hash ^ eventId.charCodeAt(i), 0x01000193);
  // FNV alone leaves ids that differ in their last digits close together: mix every bit (murmur3's finalizer).
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b);
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35);
  return (hash ^ (hash >>> 16)) >>> 0;
}

/**
 * Whether a published record passes the filter. Records are whatever the pipeline published;
 * one without a string `key` never matches a key filter and one without a numeric `score`
 * never matches a score filter (`undefined >= x` is false), so no type checks are needed.
 */
export function matchesFilter(filter: SubscriberFilter, record: unknown): boolean {
  const r = record as { key?: unknown; score?: unknown; model?: unknown; event_id?: unknown } | null;
  if (r === null || typeof r !== 'object') return false;
  if (filter.keys !== null && !filter.keys.has(r.key as string)) return false;
  if (filter.minScore !== null && !((r.score as number) >= filter.minScore)) return false;
  if (filter.model !== null && r.model !== filter.model) return false;
  if (filter.sampleBelow !== null)
    return typeof r.event_id === 'string' && sampleHash(r.event_id) < filter.sampleBelow;
  return true;
}

/** The wire form of a parsed filter (null when there is none). */
export function describeFilter(filter: SubscriberFilter | null): FilterSpec | null {
  if (filter === null) return null;
  const spec: FilterSpec = {};
  if (filter.keys !== null) spec.keys = [...filter.keys];
  if (filter.minScore !== null) spec.minScore = filter.minScore;
  if (filter.model !== null) spec.model = filter.model;
  if (filter.sample !== null) spec.sample = filter.sample;
  return spec;
}
