import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { featureWrite } from '../processors/enrich/feature-record.ts';
import {
  bindFeatureView,
  type FeatureViewConfig,
  featureViewSchema,
  GuardedFeatureStore,
  RedisFeatureStore,
} from '../processors/enrich/index.ts';
import { fraudBundle } from '../processors/infer/index.ts';
import { redisBenchmarkRps } from './private-redis.ts';
import { median } from './report.ts';

/** redis-benchmark's `__rand_int__` is a 12-digit zero-padded number; the entities are named the same way. */
export function entityKey(i: number): string {
  return String(i).padStart(12, '0');
}

/** The user view in one layout, under its own key prefix, with the fraud bundle's fields. */
export function benchView(layout: 'packed' | 'hash'): FeatureViewConfig {
  const view = featureViewSchema.parse({ layout, keyTemplate: `${layout === 'packed' ? 'bp' : 'bh'}:{key}` });
  return bindFeatureView({ view: 'user', views: { user: view } }, fraudBundle().featureView).views.user!;
}

/** Writes `entities` full rows in the view's layout, 1,000 per pipeline. */
export async function seedEntities(client: Redis, view: FeatureViewConfig, entities: number): Promise<void> {
  const order = Object.keys(view.fields);
  for (let start = 0; start < entities; start += 1000) {
    const pipeline = client.pipeline();
    for (let i = start; i < Math.min(entities, start + 1000); i++) {
      const record = {
        key: entityKey(i),
        values: {
          avg_amount_30d: i % 500,
          txn_count_7d: i % 40,
          account_age_days: 100 + (i % 3000),
          days_since_last_login: i % 30,
        },
        updatedAtMs: Date.now(),
      };
      const write = featureWrite(record, view, order);
      const key = view.keyTemplate.replace('{key}', record.key);
      if (write.kind === 'set') pipeline.set(key, write.value);
      else pipeline.hset(key, write.fields);
    }
    await pipeline.exec();
  }
}

/**
 * Keys/s through Sluice's store as the enrich stage uses it (guarded, one batch in flight on one
 * connection, as redis-benchmark -c 1 does): random distinct-ish keys per batch, for `durationMs`.
 */
export async function measureStore(
  url: string,
  view: FeatureViewConfig,
  batchSize: number,
  entities: number,
  durationMs: number,
): Promise<{ keysPerSecond: number; p50BatchMs: number }> {
  const client = new Redis(url, { enableOfflineQueue: true, maxRetriesPerRequest: 0 });
  const store = new GuardedFeatureStore(new RedisFeatureStore(client, view), {
    timeoutMs: 5000,
    breaker: { failureThreshold: 3, openMs: 1000 },
  });
  const batches = Array.from({ length: 64 }, () =>
    Array.from({ length: batchSize }, () => entityKey(Math.floor(Math.random() * entities))),
  );
  const batchMs: number[] = [];
  // Warm-up: JIT and the connection.
  for (let i = 0; i < 20; i++) await store.getMany(batches[i % batches.length]!);
  let keys = 0;
  const started = performance.now();
  for (let i = 0; performance.now() - started < durationMs; i++) {
    const t0 = performance.now();
    const rows = await store.getMany(batches[i % batches.length]!);
    batchMs.push(performance.now() - t0);
    if (rows[0] === undefined) throw new Error('bench: a seeded entity was not found');
    keys += rows.length;
  }
  const elapsedS = (performance.now() - started) / 1000;
  await store.close();
  batchMs.sort((a, b) => a - b);
  return { keysPerSecond: keys / elapsedS, p50BatchMs: batchMs[batchMs.length >> 1]! };
}

/** One row of the table: a layout at a batch size, Sluice against redis-benchmark's same command shape. */
interface FeaturesBenchRow {
  layout: 'packed' | 'hash';
  batchSize: number;
  sluiceKeysPerSecond: number;
  redisBenchmarkKeysPerSecond: number;
  ratio: number;
  p50BatchMs: number;
  command: string;
  samples: { sluice: number[]; redisBenchmark: number[] };
}

/**
 * `npm run bench -- features`: enrichment keys/s through RedisFeatureStore for both layouts at
 * batch 256 and 1024, against redis-benchmark running the same command shape on the same server
 * in the same run (one connection each; medians of `runs`).
 */
export async function runFeaturesBench(
  options: { runs: number; entities: number; durationMs: number; batches: number[] },
  redis: { url: string; port: number },
): Promise<{ rows: FeaturesBenchRow[] }> {
  const client = new Redis(redis.url);
  for (const layout of ['packed', 'hash'] as const)
    await seedEntities(client, benchView(layout), options.entities);
  client.disconnect();

  const rows: FeaturesBenchRow[] = [];
  for (const layout of ['packed', 'hash'] as const) {
    const view = benchView(layout);
    const prefix = view.keyTemplate.replace('{key}', '');
    for (const batchSize of options.batches) {
      // hash: `batchSize` HMGETs of the 4 fields + timestamp pipelined (-P), one key each;
      // packed: one MGET of `batchSize` keys per request.
      const fields = [...Object.keys(view.fields), view.timestampField];
      const command =
        layout === 'hash'
          ? ['HMGET', `${prefix}__rand_int__`, ...fields]
          : ['MGET', ...Array.from({ length: batchSize }, () => `${prefix}__rand_int__`)];
      const sluice: number[] = [];
      const p50s: number[] = [];
      const reference: number[] = [];
      for (let r = 0; r < options.runs; r++) {
        const measured = await measureStore(redis.url, view, batchSize, options.entities, options.durationMs);
        sluice.push(measured.keysPerSecond);
        p50s.push(measured.p50BatchMs);
        const targetKeys = Math.max(measured.keysPerSecond * (options.durationMs / 1000), batchSize * 100);
        const rps = await redisBenchmarkRps({
          port: redis.port,
          pipeline: layout === 'hash' ? batchSize : 1,
          requests: Math.round(layout === 'hash' ? targetKeys : targetKeys / batchSize),
          keyspace: options.entities,
          command,
        });
        reference.push(layout === 'hash' ? rps : rps * batchSize);
        process.stderr.write(
          `bench features: ${layout} batch ${batchSize} run ${r + 1}/${options.runs}: sluice ${Math.round(sluice.at(-1)!)} keys/s, redis-benchmark ${Math.round(reference.at(-1)!)} keys/s\n`,
        );
      }
      const s = median(sluice);
      const b = median(reference);
      const shown =
        layout === 'hash'
          ? `redis-benchmark -c 1 -P ${batchSize} HMGET ${prefix}__rand_int__ <4 fields> updated_at`
          : `redis-benchmark -c 1 MGET ${prefix}__rand_int__ ×${batchSize}`;
      rows.push({
        layout,
        batchSize,
        sluiceKeysPerSecond: s,
        redisBenchmarkKeysPerSecond: b,
        ratio: s / b,
        p50BatchMs: median(p50s),
        command: shown,
        samples: { sluice, redisBenchmark: reference },
      });
    }
  }
  return { rows };
}
