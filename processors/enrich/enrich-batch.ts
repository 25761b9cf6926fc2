import { RecordError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import type { ScoringItem } from '../scoring-item.ts';
import type { EnrichConfig } from './enrich-config.ts';
import type { FeatureRow, FeatureStore } from './feature-store.ts';

/** The store features a model needs, with the value each gets when it is missing. */
export interface FeatureViewSpec {
  names: readonly string[];
  defaults: Readonly<Record<string, number>>;
}

/** Counts the topology turns into metrics. */
export interface EnrichOutcome {
  lookups: number;
  storeFailed: boolean;
}

/**
 * The `enrich` stage: one store round trip per micro-batch (keys deduplicated), then the configured
 * policy for missing and stale features. Items already failed by an earlier stage are skipped.
 */
export function createEnricher(
  store: FeatureStore,
  view: FeatureViewSpec,
  config: EnrichConfig,
  logger: Logger,
): (items: ScoringItem[]) => Promise<EnrichOutcome> {
  const defaults = { ...view.defaults, ...config.defaults };
  for (const name of view.names) {
    if (defaults[name] === undefined && config.onMissing === 'default') {
      throw new RangeError(`features.defaults.${name}: no default for a feature the model needs`);
    }
  }
  const maxAgeMs = config.maxAgeSeconds * 1000;

  return async function enrich(items) {
    const slotOf = new Map<string, number>();
    const keys: string[] = [];
    for (const item of items) {
      if (item.error || slotOf.has(item.event.key)) continue;
      slotOf.set(item.event.key, keys.length);
      keys.push(item.event.key);
    }
    if (keys.length === 0) return { lookups: 0, storeFailed: false };

    let rows: Array<FeatureRow | undefined>;
    let storeFailed = false;
    try {
      rows = await store.getMany(keys);
    } catch (error) {
      // Without a breaker (Redis issue) a failed lookup counts as "all missing" so the policy decides.
      logger.warn(
        { err: error, keys: keys.length },
        `feature store "${store.kind}" lookup failed; applying features.onMissing`,
      );
      rows = new Array(keys.length).fill(undefined);
      storeFailed = true;
    }

    const now = Date.now();
    for (const item of items) {
      if (item.error) continue;
      const row = rows[slotOf.get(item.event.key)!];
      applyRow(
        item,
        row,
        view.names,
        defaults,
        config,
        maxAgeMs > 0 && row?.updatedAtMs !== undefined && now - row.updatedAtMs > maxAgeMs,
      );
    }
    return { lookups: keys.length, storeFailed };
  };
}

function applyRow(
  item: ScoringItem,
  row: FeatureRow | undefined,
  names: readonly string[],
  defaults: Record<string, number>,
  config: EnrichConfig,
  isStale: boolean,
): void {
  const missing = row ? missingNames(row, names) : [...names];
  // The common case (every feature present) shares the stored row: no per-event copy.
  let features: Record<string, number> = row?.values ?? {};
  if (missing.length > 0) {
    features = { ...features };
    for (const name of missing) features[name] = defaults[name] ?? 0;
  }
  if (missing.length > 0 && config.onMissing === 'dead-letter') {
    item.error = new RecordError(
      'enrich',
      'SLUICE_ENRICH_FEATURE_MISSING',
      `key "${item.event.key}": ${row ? 'fields' : 'no features stored; fields'} ${missing.join(', ')} missing (features.onMissing=dead-letter)`,
      { subject: missing[0] },
    );
    return;
  }
  if (isStale && config.onStale !== 'keep') {
    if (config.onStale === 'dead-letter') {
      item.error = new RecordError(
        'enrich',
        'SLUICE_ENRICH_FEATURE_MISSING',
        `key "${item.event.key}": features older than features.maxAgeSeconds=${config.maxAgeSeconds}`,
      );
      return;
    }
    features = { ...defaults };
  }
  item.features = features;
  if (missing.length > 0) item.missing = missing;
  if (isStale) item.stale = names.filter((name) => !missing.includes(name));
}

const NONE_MISSING: string[] = [];

function missingNames(row: FeatureRow, names: readonly string[]): string[] {
  let missing: string[] | undefined;
  for (const name of names) {
    if (row.values[name] !== undefined) continue;
    missing ??= [];
    missing.push(name);
  }
  return missing ?? NONE_MISSING;
}
