import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { ConfigError, errorMessage } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { redactedUrl } from '../core/redacted-url.ts';

/** How a Redis client is opened; `source` names where the URL came from, for error messages. */
export interface RedisConnectOptions {
  url: string;
  source: string;
  connectTimeoutMs: number;
  /** PEM CA bundle trusted for `rediss://`; the system's CAs otherwise. */
  caFile?: string | undefined;
  logger: Logger;
  name: string;
}

const ERROR_LOG_EVERY_MS = 10_000;

/**
 * Opens a client and waits until Redis answers, so a wrong password or an unreachable server is
 * a startup error naming REDIS_URL rather than a hang. Afterwards commands fail fast while the
 * connection is down (no offline queue, no per-command retries) and the client reconnects with
 * backoff: the breaker and the failure policy of the caller decide what an outage means.
 */
export async function connectRedis(options: RedisConnectOptions): Promise<Redis> {
  const tls = options.url.startsWith('rediss://') && options.caFile ? { tls: { ca: readCa(options) } } : {};
  const client = new Redis(options.url, {
    ...tls,
    lazyConnect: true,
    connectionName: options.name,
    connectTimeout: options.connectTimeoutMs,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
  let lastError: Error | undefined;
  let lastLogged = 0;
  // Without a listener ioredis prints every reconnect failure; one line per 10 s is enough.
  client.on('error', (error: Error) => {
    lastError = error;
    if (Date.now() - lastLogged < ERROR_LOG_EVERY_MS) return;
    lastLogged = Date.now();
    // The message only: ioredis attaches the failed command, and HELLO/AUTH carry the password.
    options.logger.warn({ error: error.message, redis: redactedUrl(options.url) }, 'redis connection error');
  });
  try {
    await client.connect();
    return client;
  } catch (error) {
    client.disconnect();
    throw startupError(options, lastError ?? (error as Error));
  }
}

function startupError(options: RedisConnectOptions, error: Error): ConfigError {
  const message = errorMessage(error);
  const where = `${options.source}=${redactedUrl(options.url)}`;
  if (/WRONGPASS|NOAUTH|invalid password|invalid username-password/i.test(message)) {
    return new ConfigError(
      'SLUICE_FEATURE_STORE_AUTH_FAILED',
      `${where}: Redis authentication failed (${message.trim()}); check the user name and password in the URL`,
      { subject: options.source, cause: error },
    );
  }
  return new ConfigError(
    'SLUICE_FEATURE_STORE_UNAVAILABLE',
    `${where}: cannot connect to Redis: ${message}`,
    {
      subject: options.source,
      cause: error,
    },
  );
}

function readCa(options: RedisConnectOptions): Buffer {
  try {
    return readFileSync(options.caFile!);
  } catch (error) {
    throw new ConfigError(
      'SLUICE_CONFIG_FILE_UNREADABLE',
      `features.redis.caFile: cannot read "${options.caFile}": ${errorMessage(error)}`,
      {
        subject: 'features.redis.caFile',
        cause: error,
      },
    );
  }
}
