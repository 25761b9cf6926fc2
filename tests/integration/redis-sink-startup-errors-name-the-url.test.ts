import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, type SluiceError, silentLogger } from '../../core/index.ts';
import { RedisPredictionSink, redisSinkConfigSchema } from '../../sinks/redis/index.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/redis-server.ts';

const servers: ThrowawayRedis[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
});

async function connectError(url: string): Promise<SluiceError> {
  const config = redisSinkConfigSchema.parse({ enabled: true, url, timeoutMs: 1000 });
  const error = await RedisPredictionSink.connect(config, silentLogger).then(
    () => undefined,
    (e: SluiceError) => e,
  );
  if (!error) throw new Error(`connecting to ${url} succeeded`);
  return error;
}

describe('the Redis sink at startup', () => {
  it('names sinks.redis.url and REDIS_URL when nothing listens there (a config error: exit 2)', async () => {
    const redis = await startThrowawayRedis();
    await redis.stop();
    const error = await connectError(redis.url);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe('SLUICE_SINK_UNAVAILABLE');
    expect(error.retriable).toBe(false);
    expect(error.message).toContain('sinks.redis.url');
    expect(error.message).toContain('REDIS_URL');
    expect(error.message).toContain(`127.0.0.1:${redis.port}`);
  });

  it('fails on a wrong password with a clear message that does not print the password', async () => {
    const redis = await startThrowawayRedis({ extraArgs: ['--requirepass', 'right-secret'] });
    servers.push(redis);
    const error = await connectError(`redis://:wrong-secret@127.0.0.1:${redis.port}`);
    expect(error.message).toMatch(/WRONGPASS|invalid username-password/);
    expect(error.message).toContain('check the user name and password');
    expect(error.message).not.toContain('wrong-secret');
    const ok = await RedisPredictionSink.connect(
      redisSinkConfigSchema.parse({ enabled: true, url: `redis://:right-secret@127.0.0.1:${redis.port}` }),
      silentLogger,
    );
    await ok.close();
  });
});
