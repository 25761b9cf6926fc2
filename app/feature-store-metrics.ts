import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { FeatureStoreObserver } from '../processors/enrich/index.ts';

/**
 * The feature store's series: lookups (one per micro-batch round trip), failures, latency, and the
 * breaker state (0 closed, 1 half-open, 2 open), read from the store when Prometheus scrapes.
 */
export function featureStoreMetrics(
  registry: Registry,
  store: string,
  breakerGauge: () => number,
): FeatureStoreObserver {
  const registers = [registry];
  const requests = new Counter({
    name: 'sluice_feature_store_lookups_total',
    help: 'Feature-store round trips (one per micro-batch), by store',
    labelNames: ['store'],
    registers,
  });
  const failures = new Counter({
    name: 'sluice_feature_store_failures_total',
    help: 'Feature-store round trips that failed or timed out, by store',
    labelNames: ['store'],
    registers,
  });
  const latency = new Histogram({
    name: 'sluice_feature_store_lookup_seconds',
    help: 'Latency of one feature-store round trip, by store',
    labelNames: ['store'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers,
  });
  new Gauge({
    name: 'sluice_feature_store_breaker_state',
    help: 'Feature-store circuit breaker: 0 closed, 1 half-open, 2 open',
    labelNames: ['store'],
    registers,
    collect() {
      this.set({ store }, breakerGauge());
    },
  });
  return {
    onLookup(seconds, ok) {
      requests.inc({ store });
      latency.observe({ store }, seconds);
      if (!ok) failures.inc({ store });
    },
  };
}
