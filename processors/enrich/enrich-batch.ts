import { ConfigError, RecordError, SluiceError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { retry } from '../../core/retry.ts';
import type { ScoringItem } from '../scoring-item.ts';
import { bindFeatureView } from './bind-feature-view.ts';
import type { EnrichConfig } from './enrich-config.ts';
import type { FeatureRow, FeatureStore } from './feature-store.ts';
import type { FeatureType, FeatureViewConfig } from './feature-view-config.ts';

/**
 * The store features a model needs (its bundle's feature view), with the value each gets when it
 * is missing and its type in the store.
 */
export interface FeatureViewSpec {
  names: readonly string[];
  defaults: Readonly<Record<string, number>>;
  types?: Readonly<Record<string, FeatureType>> | undefined;
}

/** Counts the topology turns into metrics. */
export interface EnrichOutcome {
  lookups: number;
  /** The store failed and the batch was failed open (every feature defaulted and flagged). */
  storeFailed: boolean;
}

/** Stops a batch held by `failure: hold` (shutdown); its records stay unacked and are consumed again. */
export interface EnricherOptions {
  signal?: AbortSignal;
}

const HOLD_LOG_EVERY_MS = 10_000;

function shutDown(cause: unknown): SluiceError {
  return new SluiceError('SLUICE_SHUTDOWN', 'enrich: shut down while holding for the feature store', {
    cause,
  });
}

/** A config mistake that stops a view from serving a model: the key path under the config root and what is wrong. */
export interface FeatureViewProblem {
  path: string[];
  message: string;
}

/**
 * Whether the view `config.view` can serve `modelView`: it exists, declares every store feature
 * the model needs, and each has a default (its own or the model's). The app's config validation
 * calls this, so a mismatch is a config error before anything starts; `createEnricher` throws
 * the first problem as a ConfigError for callers that skip that validation.
 */
export function featureViewProblems(
  modelView: FeatureViewSpec,
  config: Pick<EnrichConfig, 'view' | 'views'>,
): FeatureViewProblem[] {
  const view = config.views[config.view];
  if (!view) {
    return [
      {
        path: ['features', 'view'],
        message: `no view "${config.view}" under features.views (have: ${Object.keys(config.views).join(', ') || 'none'})`,
      },
    ];
  }
  const fieldsPath = ['features', 'views', config.view, 'fields'];
  const undeclared = modelView.names.filter((name) => !view.fields[name]);
  const problems: FeatureViewProblem[] = [];
  if (undeclared.length > 0) {
    problems.push({
      path: fieldsPath,
      message: `the model needs ${undeclared.map((n) => `"${n}"`).join(', ')}, which the view does not declare`,
    });
  }
  for (const name of modelView.names) {
    const field = view.fields[name];
    if (field && field.default === undefined && modelView.defaults[name] === undefined) {
      problems.push({
        path: [...fieldsPath, name, 'default'],
        message: 'no default for a feature the model needs (the model has none either); set one',
      });
    }
  }
  return problems;
}

/**
 * The `enrich` stage: one store round trip per micro-batch (keys deduplicated), then the view's
 * policies for missing, wrongly typed and stale features. Items already failed by an earlier
 * stage are skipped. A failing store is failed open or held, per `features.redis.failure`.
 */
export function createEnricher(
  store: FeatureStore,
  modelView: FeatureViewSpec,
  config: EnrichConfig,
  logger: Logger,
  options: EnricherOptions = {},
): (items: ScoringItem[]) => Promise<EnrichOutcome> {
  config = bindFeatureView(config, modelView);
  const problem = featureViewProblems(modelView, config)[0];
  if (problem) {
    const key = problem.path.join('.');
    throw new ConfigError('SLUICE_CONFIG_INVALID', `${key}: ${problem.message}`, { subject: key });
  }
  const viewKey = `features.views.${config.view}`;
  const view = config.views[config.view]!;
  const defaults: Record<string, number> = {};
  for (const name of modelView.names)
    defaults[name] = view.fields[name]!.default ?? modelView.defaults[name]!;
  const policy: ViewPolicy = { view, viewKey, names: modelView.names, defaults };
  const maxAgeMs = view.maxAgeSeconds * 1000;
  let holdingSince = 0;
  let lastHoldLog = 0;

  // Under `hold` a failing lookup is asked again every holdRetryMs until the store answers or the
  // topology's stop has waited its drain budget.
  const holdRetry = {
    retries: Number.POSITIVE_INFINITY,
    initialDelayMs: config.redis.holdRetryMs,
    maxDelayMs: config.redis.holdRetryMs,
    factor: 1,
    jitter: 0,
    signal: options.signal,
  };

  async function ask(keys: string[]): Promise<Array<FeatureRow | undefined> | undefined> {
    try {
      const rows = await store.getMany(keys);
      if (holdingSince) logger.info({ heldMs: Date.now() - holdingSince }, 'feature store is back; resuming');
      holdingSince = 0;
      return rows;
    } catch (error) {
      if (config.redis.failure === 'fail-open') {
        if (Date.now() - lastHoldLog > HOLD_LOG_EVERY_MS) {
          lastHoldLog = Date.now();
          logger.warn(
            { err: error, keys: keys.length },
            'feature store failing: scoring with defaults (failure=fail-open)',
          );
        }
        return undefined;
      }
      if (!holdingSince) holdingSince = Date.now();
      if (Date.now() - lastHoldLog > HOLD_LOG_EVERY_MS) {
        lastHoldLog = Date.now();
        logger.warn(
          { err: error, heldMs: Date.now() - holdingSince },
          'feature store failing: holding the batch and retrying (failure=hold); consumption pauses at consumer.maxInFlight',
        );
      }
      // Whatever the store threw, holding means asking again.
      throw new SluiceError('SLUICE_FEATURE_STORE_UNAVAILABLE', 'enrich: feature store lookup failed', {
        retriable: true,
        cause: error,
      });
    }
  }

  async function lookup(keys: string[]): Promise<Array<FeatureRow | undefined> | undefined> {
    try {
      return await retry((attempt) => {
        if (attempt > 0 && options.signal?.aborted) throw shutDown(undefined);
        return ask(keys);
      }, holdRetry);
    } catch (error) {
      if (error instanceof SluiceError && error.code === 'SLUICE_SHUTDOWN') throw error;
      // retry() gives up on an aborted signal with the store's last error.
      throw shutDown(error);
    }
  }

  return async function enrich(items) {
    const slotOf = new Map<string, number>();
    const keys: string[] = [];
    for (const item of items) {
      if (item.error || slotOf.has(item.key)) continue;
      slotOf.set(item.key, keys.length);
      keys.push(item.key);
    }
    if (keys.length === 0) return { lookups: 0, storeFailed: false };

    const rows = await lookup(keys);
    if (!rows) {
      const all = [...modelView.names];
      for (const item of items) {
        if (item.error) continue;
        item.features = defaults;
        item.missing = all;
      }
      return { lookups: keys.length, storeFailed: true };
    }
    const now = Date.now();
    for (const item of items) {
      if (item.error) continue;
      const row = rows[slotOf.get(item.key)!];
      const isStale = maxAgeMs > 0 && row?.updatedAtMs !== undefined && now - row.updatedAtMs > maxAgeMs;
      applyRow(item, row, policy, isStale);
    }
    return { lookups: keys.length, storeFailed: false };
  };
}

interface ViewPolicy {
  view: FeatureViewConfig;
  viewKey: string;
  names: readonly string[];
  defaults: Record<string, number>;
}

function applyRow(
  item: ScoringItem,
  row: FeatureRow | undefined,
  policy: ViewPolicy,
  isStale: boolean,
): void {
  const { view, viewKey, names, defaults } = policy;
  const key = item.key;
  const missing = row ? absentNames(row, names) : [...names];
  const wrongType = row?.wrongType ? names.filter((n) => row.wrongType!.includes(n)) : NONE;
  if (wrongType.length > 0 && view.onWrongType === 'dead-letter') {
    item.error = new RecordError(
      'enrich',
      'SLUICE_ENRICH_FEATURE_WRONG_TYPE',
      `key "${key}": ${wrongType.map((n) => `${n} is not a ${view.fields[n]!.type}`).join(', ')} (${viewKey}.onWrongType=dead-letter)`,
      { subject: wrongType[0] },
    );
    return;
  }
  const plainMissing = wrongType.length > 0 ? missing.filter((n) => !wrongType.includes(n)) : missing;
  if (plainMissing.length > 0 && view.onMissing === 'dead-letter') {
    item.error = new RecordError(
      'enrich',
      'SLUICE_ENRICH_FEATURE_MISSING',
      `key "${key}": ${row ? 'fields' : 'no features stored; fields'} ${plainMissing.join(', ')} missing (${viewKey}.onMissing=dead-letter)`,
      { subject: plainMissing[0] },
    );
    return;
  }
  if (isStale && view.onStale === 'dead-letter') {
    item.error = new RecordError(
      'enrich',
      'SLUICE_ENRICH_FEATURE_STALE',
      `key "${key}": features older than ${viewKey}.maxAgeSeconds=${view.maxAgeSeconds} (${viewKey}.onStale=dead-letter)`,
      { subject: view.timestampField },
    );
    return;
  }
  // The common case (every feature present and fresh) shares the stored row: no per-event copy.
  let features: Record<string, number> = row?.values ?? defaults;
  if (isStale && view.onStale === 'default') features = defaults;
  else if (missing.length > 0 && row) {
    features = { ...features };
    for (const name of missing) features[name] = defaults[name]!;
  }
  item.features = features;
  // A wrongly typed value was defaulted, so it is listed with the missing (defaulted) ones.
  if (missing.length > 0) item.missing = missing;
  if (isStale) item.stale = names.filter((name) => !missing.includes(name));
}

const NONE: string[] = [];

function absentNames(row: FeatureRow, names: readonly string[]): string[] {
  let missing: string[] | undefined;
  for (const name of names) {
    if (row.values[name] !== undefined) continue;
    missing ??= [];
    missing.push(name);
  }
  return missing ?? NONE;
}
