import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { silentLogger } from '../../core/logger.ts';
import { createEnricher } from './enrich-batch.ts';
import { type EnrichConfig, enrichConfigSchema } from './enrich-config.ts';
import { MemoryFeatureStore } from './memory-feature-store.ts';

function config(fields: Record<string, { default?: number }>): EnrichConfig {
  return enrichConfigSchema.parse({ view: 'v', views: { v: { fields } } });
}

function enricherFor(modelView: { names: string[]; defaults: Record<string, number> }, enrich: EnrichConfig) {
  return () => createEnricher(new MemoryFeatureStore(), modelView, enrich, silentLogger);
}

describe('a view that cannot serve the model is a config error (exit 2), naming the key', () => {
  it('a feature the model needs that the view does not declare', () => {
    const create = enricherFor({ names: ['a', 'b', 'c'], defaults: { a: 1, b: 2, c: 3 } }, config({ a: {} }));
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(
      expect.objectContaining({ code: 'SLUICE_CONFIG_INVALID', subject: 'features.views.v.fields' }),
    );
    expect(create).toThrow(/^features\.views\.v\.fields: the model needs "b", "c"/);
  });

  it('a feature with no default in the view nor in the model', () => {
    const create = enricherFor({ names: ['a'], defaults: {} }, config({ a: {} }));
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(expect.objectContaining({ subject: 'features.views.v.fields.a.default' }));
  });

  it('a view name with no view (a config that skipped validation)', () => {
    const enrich = { ...config({ a: {} }), view: 'nope' };
    const create = enricherFor({ names: ['a'], defaults: { a: 1 } }, enrich);
    expect(create).toThrow(ConfigError);
    expect(create).toThrow(expect.objectContaining({ subject: 'features.view' }));
  });

  it('a view default covers a feature the model has no default for', () => {
    expect(enricherFor({ names: ['a'], defaults: {} }, config({ a: { default: 5 } }))).not.toThrow();
  });
});
