import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

describe('the logger redacts secrets', () => {
  it('hides passwords and URL credentials wherever a config section or a URL is logged', () => {
    const out = capture();
    const logger = createLogger('info', { destination: out.stream });
    logger.info({
      config: {
        transport: { kafka: { sasl: { mechanism: 'plain', username: 'u', password: 'hunter2' } } },
        schemaRegistry: { url: 'https://registry.example', username: 'r', password: 'reg-secret' },
        features: { redis: { url: 'redis://u:pw123@127.0.0.1:6379' } },
      },
    });
    logger.info({ sasl: { username: 'u', password: 'hunter2' } }, 'sasl section');
    logger.info({ kafka: { sasl: { password: 'hunter2' }, rdkafka: { 'ssl.key.password': 'keypass' } } });
    logger.info({ redis: { url: 'redis://u:pw123@127.0.0.1:6379' }, url: 'rediss://:pw123@host:6380/0' });
    logger.info({ transport: { kafka: { sasl: { password: 'hunter2' } } } });
    const text = out.text();
    for (const secret of ['hunter2', 'reg-secret', 'pw123', 'keypass']) expect(text).not.toContain(secret);
    expect(text).toContain('redis://u:***@127.0.0.1:6379');
    expect(text).toContain('"username":"u"');
    expect(text).toContain('https://registry.example');
  });

  it('scrubs the secret values it was given from any line, messages included', () => {
    const out = capture();
    const logger = createLogger('info', { destination: out.stream, secrets: ['hunter2'] });
    logger.warn({ err: new Error('auth failed for u:hunter2') }, 'broker said hunter2 is wrong');
    expect(out.text()).toContain('auth failed for u:***');
    expect(out.text()).not.toContain('hunter2');
  });
});
