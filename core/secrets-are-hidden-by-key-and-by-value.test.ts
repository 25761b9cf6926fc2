import { describe, expect, it } from 'vitest';
import { redactSecrets, redactUrlPassword, scrubSecrets, secretValues } from './secrets.ts';

describe('secrets are hidden by key and by value', () => {
  it('redacts each secret key, URL passwords only, and leaves the input untouched', () => {
    const config = {
      transport: {
        kafka: { sasl: { username: 'u', password: 'hunter2' }, rdkafka: { 'ssl.key.pem': 'PEM' } },
      },
      features: { redis: { url: 'rediss://sluice:p%40ss@redis.example:6380/1' } },
      sinks: { redis: { url: 'redis://127.0.0.1:6379' } },
    };
    const redacted = redactSecrets(config);
    expect(redacted.transport.kafka.sasl).toEqual({ username: 'u', password: '***' });
    expect(redacted.transport.kafka.rdkafka['ssl.key.pem']).toBe('***');
    expect(redacted.features.redis.url).toBe('rediss://sluice:***@redis.example:6380/1');
    expect(redacted.sinks.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.transport.kafka.sasl.password).toBe('hunter2');
    expect(secretValues(config).sort()).toEqual(['PEM', 'hunter2', 'p%40ss', 'p@ss'].sort());
  });

  it('hides the password of a URL that does not parse', () => {
    expect(redactUrlPassword('redis://u:pw123@host:notaport')).toBe('redis://u:***@host:notaport');
  });

  it('scrubs a value as written, JSON-escaped and URL-encoded', () => {
    const secret = 'a"b/c d';
    const text = `raw ${secret} json ${JSON.stringify(secret)} url ${encodeURIComponent(secret)}`;
    const scrubbed = scrubSecrets(text, [secret]);
    expect(scrubbed).toBe('raw *** json "***" url ***');
  });
});
