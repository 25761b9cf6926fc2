import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startCli } from '../support/cli-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'sluice-secrets-'));

const SECRETS = {
  SLUICE_TRANSPORT__KAFKA__SASL: '{"mechanism":"plain","username":"u","password":"hunter2"}',
  REDIS_URL: 'redis://u:pw123@127.0.0.1:6379',
};

async function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; output: string }> {
  const cli = startCli(args, { SLUICE_PORT: '0', ...env });
  const code = await cli.exited;
  return { code, output: cli.output() };
}

interface PrintedConfig {
  transport: { kafka: { sasl: { username: string; password: string } } };
  features: { redis: { url: string } };
  sinks: { redis: { url: string } };
}

describe('secrets in CLI output', () => {
  it('`sluice config` prints every secret as *** and keeps the rest readable', async () => {
    const { code, output } = await run(['config'], {
      ...SECRETS,
      SLUICE_SCHEMA_REGISTRY__PASSWORD: 'registry-pass',
      SLUICE_TRANSPORT__KAFKA__RDKAFKA: '{"ssl.key.password":"key-pass","socket.keepalive.enable":true}',
    });
    expect(code).toBe(0);
    for (const secret of ['hunter2', 'pw123', 'registry-pass', 'key-pass'])
      expect(output).not.toContain(secret);
    const config = JSON.parse(output) as PrintedConfig & {
      transport: { kafka: { rdkafka: Record<string, unknown> } };
      schemaRegistry: { password: string };
    };
    expect(config.schemaRegistry.password).toBe('***');
    expect(config.transport.kafka.rdkafka).toEqual({
      'ssl.key.password': '***',
      'socket.keepalive.enable': true,
    });
    expect(config.transport.kafka.sasl).toMatchObject({ username: 'u', password: '***' });
    expect(config.features.redis.url).toBe('redis://u:***@127.0.0.1:6379');
    expect(config.sinks.redis.url).toBe('redis://u:***@127.0.0.1:6379');
  });

  it('`sluice config --show-secrets` prints them in clear', async () => {
    const { code, output } = await run(['config', '--show-secrets'], SECRETS);
    expect(code).toBe(0);
    const config = JSON.parse(output) as PrintedConfig;
    expect(config.transport.kafka.sasl.password).toBe('hunter2');
    expect(config.features.redis.url).toBe('redis://u:pw123@127.0.0.1:6379');
    expect(config.sinks.redis.url).toBe('redis://u:pw123@127.0.0.1:6379');
  });

  it('a config file that does not parse is reported by line, without echoing the secret on that line', async () => {
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      [
        'transport:',
        '  kafka:',
        '    sasl: {mechanism: plain, username: u, password: hunter2',
        'schemaRegistry:',
        '  password: s3cr3t-registry',
        '',
      ].join('\n'),
    );
    const { code, output } = await run(['start', '--config', file]);
    expect(code).toBe(2);
    expect(output).toContain(file);
    expect(output).toMatch(/line \d+, column \d+/);
    expect(output).not.toContain('hunter2');
    expect(output).not.toContain('s3cr3t-registry');
  });

  it('a config error in a file that holds secrets names the key and prints no secret', async () => {
    const file = join(dir, 'invalid.yaml');
    writeFileSync(
      file,
      [
        'transport:',
        '  kafka:',
        '    sasl: {mechanism: oauth, username: u, password: hunter2}',
        'schemaRegistry:',
        '  url: https://registry.example',
        '  password: 12345678',
        'features:',
        '  redis:',
        '    url: http://u:pw123@127.0.0.1:6379',
        '',
      ].join('\n'),
    );
    const { code, output } = await run(['config', '--config', file]);
    expect(code).toBe(2);
    expect(output).toContain('transport.kafka.sasl.mechanism');
    expect(output).toContain('schemaRegistry.password');
    expect(output).toContain('features.redis.url');
    expect(output).not.toContain('hunter2');
    expect(output).not.toContain('12345678');
    expect(output).not.toContain('pw123');
  });

  it('a schema registry URL carrying a password is refused without echoing it', async () => {
    const { code, output } = await run(['config'], {
      SLUICE_SCHEMA_REGISTRY__URL: 'https://reg:topsecret@registry.example',
    });
    expect(code).toBe(2);
    expect(output).toContain('schemaRegistry.url');
    expect(output).toContain('schemaRegistry.password');
    expect(output).not.toContain('topsecret');
  });
});
