import type { Registry } from 'prom-client';
import type { Logger } from '../core/logger.ts';
import { redactedUrl } from '../core/redacted-url.ts';
import { connectRedis } from '../core/redis-connect.ts';
import {
  bindFeatureView,
  type FeatureStore,
  type FeatureViewSpec,
  GuardedFeatureStore,
  MemoryFeatureStore,
  RedisFeatureStore,
} from '../processors/enrich/index.ts';
import { fraudBundle } from '../processors/infer/index.ts';
import type { SluiceConfig } from './config/index.ts';
import { featureStoreMetrics } from './feature-store-metrics.ts';

/**
 * The feature store config describes: the seeded in-memory one, or the configured view in Redis
 * behind a timeout and a circuit breaker. A Redis that refuses the credentials, or cannot be
 * reached, fails startup with an error naming REDIS_URL.
 */
export async function openFeatureStore(
  config: Pick<SluiceConfig, 'features'>,
  logger: Logger,
  registry?: Registry,
  env: NodeJS.ProcessEnv = process.env,
  /** The model's view, filling a configured view that declares no fields; default the fraud bundle's. */
  modelView: FeatureViewSpec = fraudBundle().featureView,
): Promise<FeatureStore> {
  const features = bindFeatureView(config.features, modelView);
  if (features.store === 'memory') {
    const store = await MemoryFeatureStore.fromJsonl(features.seedFile);
    logger.info(
      { store: store.kind, entities: store.size, seedFile: features.seedFile },
      'feature store ready',
    );
    return store;
  }
  const { redis } = features;
  const url = redis.url!;
  const client = await connectRedis({
    url,
    source: env.REDIS_URL === url ? 'REDIS_URL' : 'features.redis.url',
    connectTimeoutMs: redis.connectTimeoutMs,
    caFile: redis.caFile,
    caFileKey: 'features.redis.caFile',
    logger,
    name: 'sluice-features',
    codes: {
      authFailed: 'SLUICE_FEATURE_STORE_AUTH_FAILED',
      unavailable: 'SLUICE_FEATURE_STORE_UNAVAILABLE',
    },
  });
  const view = features.views[features.view]!;
  const inner = new RedisFeatureStore(client, view, redis.cache.enabled ? redis.cache : undefined);
  let guarded: GuardedFeatureStore | undefined;
  const observer = registry
    ? featureStoreMetrics(registry, 'redis', () => guarded?.breakerGauge ?? 0)
    : undefined;
  guarded = new GuardedFeatureStore(inner, {
    timeoutMs: redis.commandTimeoutMs,
    breaker: redis.breaker,
    observer,
  });
  logger.info(
    {
      store: 'redis',
      redis: redactedUrl(url),
      view: features.view,
      layout: view.layout,
      failure: redis.failure,
      cache: redis.cache.enabled,
    },
    'feature store ready',
  );
  return guarded;
}
