import type { Redis } from 'ioredis';
import { silentLogger } from '../../core/logger.ts';
import { connectRedis } from '../../core/redis-connect.ts';
import { type FeatureRecord, featureWrite } from '../../processors/enrich/feature-record.ts';
import { type FeatureViewConfig, featureViewSchema } from '../../processors/enrich/index.ts';
import { fraudBundle } from '../../processors/infer/index.ts';
import type { TransactionEvent } from '../../schemas/index.ts';
import { codecs } from '../../schemas/index.ts';
import type { OutgoingRecord } from '../../streams/index.ts';

/** A feature view as a test's config would declare it, bound to the fraud bundle's fields unless it declares its own. */
export function testView(input: Record<string, unknown> = {}): FeatureViewConfig {
  const { names, types, defaults } = fraudBundle().featureView;
  const fields = Object.fromEntries(names.map((n) => [n, { type: types?.[n], default: defaults[n] }]));
  return featureViewSchema.parse({ fields, ...input });
}

/** A client the way Sluice opens one (fails fast while Redis is down). */
export function testClient(url: string): Promise<Redis> {
  return connectRedis({
    url,
    source: 'test',
    connectTimeoutMs: 2000,
    caFileKey: 'features.redis.caFile',
    logger: silentLogger,
    name: 'sluice-test',
    codes: {
      authFailed: 'SLUICE_FEATURE_STORE_AUTH_FAILED',
      unavailable: 'SLUICE_FEATURE_STORE_UNAVAILABLE',
    },
  });
}

/** Writes records in the view's layout, as the loader does, in one pipeline. */
export async function writeFeatures(
  client: Redis,
  view: FeatureViewConfig,
  records: FeatureRecord[],
): Promise<void> {
  const order = Object.keys(view.fields);
  const pipeline = client.pipeline();
  for (const record of records) {
    const key = view.keyTemplate.replace('{key}', record.key);
    const write = featureWrite(record, view, order);
    if (write.kind === 'set') pipeline.set(key, write.value);
    else pipeline.hset(key, write.fields);
  }
  for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
}

/** A full, fresh row of the fraud user features. */
export function userRecord(key: string, updatedAtMs = Date.now()): FeatureRecord {
  return {
    key,
    values: { avg_amount_30d: 42.5, txn_count_7d: 3, account_age_days: 900, days_since_last_login: 1 },
    updatedAtMs,
  };
}

/** `calls` per command from INFO commandstats (e.g. `{ mget: 1, hmget: 1000 }`). */
export async function commandCalls(client: Redis): Promise<Record<string, number>> {
  const info = await client.info('commandstats');
  const calls: Record<string, number> = {};
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls[match[1]!] = Number(match[2]);
  return calls;
}

/** What changed between two commandstats readings, leaving out the readings' own INFO calls. */
export function callsBetween(
  before: Record<string, number>,
  after: Record<string, number>,
): Record<string, number> {
  const diff: Record<string, number> = {};
  for (const [command, calls] of Object.entries(after)) {
    const delta = calls - (before[command] ?? 0);
    if (delta > 0 && command !== 'info') diff[command] = delta;
  }
  return diff;
}

/** An Avro-encoded event for `key`, as a producer publishes it. */
export function eventRecord(eventId: string, key: string): OutgoingRecord {
  const event: TransactionEvent = {
    event_id: eventId,
    key,
    event_time: Date.now(),
    amount: 25,
    merchant_category: 'grocery',
    country: 'US',
    channel: 'POS',
  } as TransactionEvent;
  return { key, value: codecs.event.encode(event) };
}
