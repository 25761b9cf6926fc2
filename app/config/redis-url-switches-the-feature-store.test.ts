import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
import { loadConfiguredModel } from '../configured-model.ts';
import { loadConfig } from './load-config.ts';

describe('feature-store config', () => {
  it("uses the seeded memory store and a packed user view by default, its fields the fraud bundle's", () => {
    const config = loadConfig({ env: {} });
    const { features } = config;
    expect(features.store).toBe('memory');
    expect(features.view).toBe('user');
    expect(features.views.user!.layout).toBe('packed');
    expect(features.views.user!.keyTemplate).toBe('user:{key}');
    expect(features.views.user!.fields).toEqual({});
    const bound = loadConfiguredModel(config).features;
    expect(bound.views.user!.fields.txn_count_7d).toEqual({ type: 'long', default: 8 });
    expect(Object.keys(bound.views.user!.fields)).toEqual([
      'avg_amount_30d',
      'txn_count_7d',
      'account_age_days',
      'days_since_last_login',
    ]);
  });

  it('switches to Redis when REDIS_URL is set, keeping ACL credentials and TLS in the URL', () => {
    const url = 'rediss://sluice:s3cret@redis.example:6380/0';
    const { features } = loadConfig({ env: { REDIS_URL: url } });
    expect(features.store).toBe('redis');
    expect(features.redis.url).toBe(url);
  });

  it("keeps the memory store when SLUICE_FEATURES__STORE=memory says so, whatever the variables' order", () => {
    for (const env of [
      { SLUICE_FEATURES__STORE: 'memory', REDIS_URL: 'redis://r:6379' },
      { REDIS_URL: 'redis://r:6379', SLUICE_FEATURES__STORE: 'memory' },
    ]) {
      expect(loadConfig({ env }).features.store).toBe('memory');
    }
  });

  it('names the key of a bad view setting, and a view that does not exist', () => {
    try {
      loadConfig({
        env: { SLUICE_FEATURES__VIEWS: '{"user":{"onMissing":"shrug"}}', SLUICE_FEATURES__VIEW: 'merchant' },
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('features.views.user.onMissing');
    }
    expect(() => loadConfig({ env: { SLUICE_FEATURES__VIEW: 'merchant' } })).toThrow(
      /features\.view: no view "merchant"/,
    );
  });

  it('refuses store redis without a URL', () => {
    expect(() => loadConfig({ env: { SLUICE_FEATURES__STORE: 'redis' } })).toThrow(
      /features\.redis\.url.*REDIS_URL/,
    );
  });
});
