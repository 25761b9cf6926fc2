import type { Registry } from 'prom-client';
import { jsonReply, type LiveServer } from '../sinks/websocket/index.ts';

/** What the probes report on; `main` passes the running pipeline. */
export interface HealthSources {
  /** True once the model is loaded, the consumer joined its group and polls succeed. */
  ready: () => boolean;
  details: () => Record<string, unknown>;
  /** What `GET /model` describes: the served bundle's name, kind and score range. */
  model?: () => Record<string, unknown>;
}

/**
 * `GET /healthz` (the process is alive and serving), `GET /readyz` (it is consuming: 503 otherwise)
 * `GET /model` (the served bundle: name, version, kind, score range; the dashboard scales by it)
 * and `GET /metrics` (Prometheus text, every series prefixed `sluice_`; behind a bearer token with
 * `websocket.auth.metrics`), on the live server's port.
 */
export function registerHttpEndpoints(server: LiveServer, registry: Registry, health: HealthSources): void {
  server.get('/healthz', () => jsonReply(200, { status: 'ok' }));
  server.get('/readyz', () => {
    const ready = health.ready();
    return jsonReply(ready ? 200 : 503, { ready, ...health.details() });
  });
  const model = health.model;
  if (model) server.get('/model', () => jsonReply(200, model()));
  server.get(
    '/metrics',
    async () => ({ status: 200, contentType: registry.contentType, body: await registry.metrics() }),
    { requireToken: server.metricsNeedToken },
  );
}
