import { describe, expect, it } from 'vitest';
import { RecordError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import type { TransactionEvent } from '../../schemas/index.ts';
import type { ConsumedRecord } from '../../streams/index.ts';
import { newScoringItem } from '../scoring-item.ts';
import { createEnricher } from './enrich-batch.ts';
import { enrichConfigSchema } from './enrich-config.ts';
import { MemoryFeatureStore } from './memory-feature-store.ts';

const view = { names: ['a', 'b'], defaults: { a: 1, b: 2 } };

/** The enrich config with one view `v` of fields a and b, and the given policies. */
function config(policies: Record<string, unknown> = {}, failure: 'fail-open' | 'hold' = 'fail-open') {
  return enrichConfigSchema.parse({
    view: 'v',
    views: { v: { fields: { a: {}, b: {} }, ...policies } },
    redis: { failure, holdRetryMs: 5 },
  });
}
const now = Date.now();

function item(key: string) {
  const event = {
    event_id: key,
    key,
    event_time: now,
    amount: 1,
    merchant_category: 'x',
    country: 'US',
    channel: 'POS',
  } as TransactionEvent;
  return newScoringItem({} as ConsumedRecord, event, event.event_id, event.key, event.event_time);
}

function store() {
  const s = new MemoryFeatureStore();
  s.set('full', { values: { a: 10, b: 20 }, updatedAtMs: now });
  s.set('partial', { values: { a: 11 }, updatedAtMs: now });
  s.set('old', { values: { a: 12, b: 22 }, updatedAtMs: now - 3_600_000 });
  return s;
}

describe('enrich applies the configured policy to missing and stale features', () => {
  it('defaults and flags exactly the missing features', async () => {
    const enrich = createEnricher(store(), view, config(), silentLogger);
    const items = ['full', 'partial', 'unknown', 'full'].map(item);
    const outcome = await enrich(items);
    expect(outcome.lookups).toBe(3);
    expect(items[0]!.features).toEqual({ a: 10, b: 20 });
    expect(items[0]!.missing).toEqual([]);
    expect(items[1]!.features).toEqual({ a: 11, b: 2 });
    expect(items[1]!.missing).toEqual(['b']);
    expect(items[2]!.features).toEqual({ a: 1, b: 2 });
    expect(items[2]!.missing).toEqual(['a', 'b']);
    expect(items[3]!.missing).toEqual([]);
  });

  it('dead-letters missing features under onMissing=dead-letter, naming them', async () => {
    const enrich = createEnricher(store(), view, config({ onMissing: 'dead-letter' }), silentLogger);
    const items = ['full', 'partial'].map(item);
    await enrich(items);
    expect(items[0]!.error).toBeUndefined();
    expect(items[1]!.error).toBeInstanceOf(RecordError);
    expect(items[1]!.error!.code).toBe('SLUICE_ENRICH_FEATURE_MISSING');
    expect(items[1]!.error!.message).toContain('b');
  });

  it('flags stale rows, and replaces them under onStale=default', async () => {
    const keep = createEnricher(store(), view, config({ maxAgeSeconds: 60 }), silentLogger);
    const kept = ['old', 'full'].map(item);
    await keep(kept);
    expect(kept[0]!.stale).toEqual(['a', 'b']);
    expect(kept[0]!.features).toEqual({ a: 12, b: 22 });
    expect(kept[1]!.stale).toEqual([]);

    const replace = createEnricher(
      store(),
      view,
      config({ maxAgeSeconds: 60, onStale: 'default' }),
      silentLogger,
    );
    const replaced = ['old'].map(item);
    await replace(replaced);
    expect(replaced[0]!.features).toEqual({ a: 1, b: 2 });
  });

  it('defaults and flags a wrongly typed value, or dead-letters it under onWrongType=dead-letter', async () => {
    const s = store();
    s.set('typo', { values: { a: 13 }, wrongType: ['b'], updatedAtMs: now });
    const lenient = createEnricher(s, view, config(), silentLogger);
    const defaulted = [item('typo')];
    await lenient(defaulted);
    expect(defaulted[0]!.features).toEqual({ a: 13, b: 2 });
    expect(defaulted[0]!.missing).toEqual(['b']);

    const strict = createEnricher(s, view, config({ onWrongType: 'dead-letter' }), silentLogger);
    const rejected = [item('typo')];
    await strict(rejected);
    expect(rejected[0]!.error!.code).toBe('SLUICE_ENRICH_FEATURE_WRONG_TYPE');
    expect(rejected[0]!.error!.message).toContain('b is not a double');
  });

  it('dead-letters stale rows under onStale=dead-letter with their own code', async () => {
    const enrich = createEnricher(
      store(),
      view,
      config({ maxAgeSeconds: 60, onStale: 'dead-letter' }),
      silentLogger,
    );
    const items = [item('old')];
    await enrich(items);
    expect(items[0]!.error!.code).toBe('SLUICE_ENRICH_FEATURE_STALE');
  });

  it('holds a batch while the store fails under failure=hold, and finishes it once the store answers', async () => {
    let failuresLeft = 3;
    const flaky = {
      kind: 'flaky',
      getMany: async (keys: readonly string[]) => {
        if (failuresLeft-- > 0) throw new Error('down');
        return store().getMany(keys);
      },
      close: async () => {},
    };
    const enrich = createEnricher(flaky, view, config({}, 'hold'), silentLogger);
    const items = [item('full')];
    expect((await enrich(items)).storeFailed).toBe(false);
    expect(failuresLeft).toBe(-1);
    expect(items[0]!.features).toEqual({ a: 10, b: 20 });
  });

  it('treats a failing store as all-missing, so the policy decides instead of a crash', async () => {
    const failing = {
      kind: 'broken',
      getMany: async () => Promise.reject(new Error('down')),
      close: async () => {},
    };
    const enrich = createEnricher(failing, view, config(), silentLogger);
    const items = [item('full')];
    expect((await enrich(items)).storeFailed).toBe(true);
    expect(items[0]!.missing).toEqual(['a', 'b']);
  });
});
