import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import type { FeatureRow, FeatureStore } from './feature-store.ts';
import type { FeatureViewConfig } from './feature-view-config.ts';
import { decodePackedFeatures } from './packed-features.ts';
import { parseFeatureValue } from './parse-feature-value.ts';

/** The optional in-process cache in front of Redis (`features.redis.cache`). */
export interface FeatureCacheOptions {
  maxEntries: number;
  ttlMs: number;
}

/** Cached "Redis has no such key", so unknown entities are not asked for again within the TTL. */
const ABSENT = Object.freeze({ absent: true as const });

/**
 * Reads one feature view from Redis in exactly one round trip per `getMany`: one MGET of packed
 * values, or one pipeline of HMGETs over hashes. It is given a connected client (wiring opens it)
 * and throws only when Redis fails; the guard around it owns timeouts and the breaker.
 */
export class RedisFeatureStore implements FeatureStore {
  readonly kind = 'redis';
  readonly #client: Redis;
  readonly #view: FeatureViewConfig;
  readonly #fields: string[];
  readonly #hashFields: string[];
  readonly #keyPrefix: string;
  readonly #keySuffix: string;
  readonly #cache: LRUCache<string, FeatureRow | typeof ABSENT> | undefined;

  constructor(client: Redis, view: FeatureViewConfig, cache?: FeatureCacheOptions) {
    this.#client = client;
    this.#view = view;
    this.#fields = Object.keys(view.fields);
    this.#hashFields = [...this.#fields, view.timestampField];
    [this.#keyPrefix, this.#keySuffix] = splitTemplate(view.keyTemplate);
    this.#cache = cache ? new LRUCache({ max: cache.maxEntries, ttl: cache.ttlMs }) : undefined;
  }

  /** The Redis key of an entity. */
  redisKey(key: string): string {
    return this.#keyPrefix + key + this.#keySuffix;
  }

  async getMany(keys: readonly string[]): Promise<Array<FeatureRow | undefined>> {
    const rows = new Array<FeatureRow | undefined>(keys.length);
    let fetch: number[] | undefined;
    if (this.#cache) {
      fetch = [];
      for (let i = 0; i < keys.length; i++) {
        const hit = this.#cache.get(keys[i]!);
        if (hit === undefined) fetch.push(i);
        else rows[i] = hit === ABSENT ? undefined : (hit as FeatureRow);
      }
      if (fetch.length === 0) return rows;
    }
    const redisKeys = fetch ? fetch.map((i) => this.redisKey(keys[i]!)) : keys.map((k) => this.redisKey(k));
    const fetched =
      this.#view.layout === 'packed' ? await this.#readPacked(redisKeys) : await this.#readHashes(redisKeys);
    for (let j = 0; j < fetched.length; j++) {
      const i = fetch ? fetch[j]! : j;
      rows[i] = fetched[j];
      this.#cache?.set(keys[i]!, fetched[j] ?? ABSENT);
    }
    return rows;
  }

  async #readPacked(redisKeys: string[]): Promise<Array<FeatureRow | undefined>> {
    const values = await this.#client.mgetBuffer(...redisKeys);
    return values.map((value) => {
      if (value === null) return undefined;
      const row = decodePackedFeatures(value, this.#fields);
      return row === 'malformed' ? { values: {}, wrongType: this.#fields } : row;
    });
  }

  async #readHashes(redisKeys: string[]): Promise<Array<FeatureRow | undefined>> {
    const pipeline = this.#client.pipeline();
    for (const key of redisKeys) pipeline.hmget(key, ...this.#hashFields);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([error, fields]) => {
      if (error) throw error;
      return this.#hashRow(fields as Array<string | null>);
    });
  }

  #hashRow(stored: Array<string | null>): FeatureRow | undefined {
    // HMGET of a missing key answers all nils: the entity is unknown.
    if (stored.every((v) => v === null)) return undefined;
    const values: Record<string, number> = {};
    let wrongType: string[] | undefined;
    for (let f = 0; f < this.#fields.length; f++) {
      const text = stored[f];
      if (text === null || text === undefined) continue;
      const name = this.#fields[f]!;
      const value = parseFeatureValue(text, this.#view.fields[name]!.type);
      if (value !== undefined) values[name] = value;
      else {
        wrongType ??= [];
        wrongType.push(name);
      }
    }
    const stamp = stored[this.#fields.length];
    const updatedAtMs = stamp == null ? undefined : parseFeatureValue(stamp, 'double');
    const row: FeatureRow = { values };
    if (updatedAtMs !== undefined) row.updatedAtMs = updatedAtMs;
    if (wrongType) row.wrongType = wrongType;
    return row;
  }

  async close(): Promise<void> {
    this.#client.disconnect();
  }
}

function splitTemplate(template: string): [string, string] {
  const at = template.indexOf('{key}');
  return [template.slice(0, at), template.slice(at + '{key}'.length)];
}
