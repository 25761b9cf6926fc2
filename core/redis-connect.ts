import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { ConfigError, errorMessage, type SluiceErrorCode } from './errors.ts';
import type { Logger } from './logger.ts';
import { redactedUrl } from './redacted-url.ts';
import { backoffDelayMs } from './retry.ts';

/** How a Redis client is opened: the feature store and the prediction sink both open theirs here. */
export interface RedisConnectOptions {
  url: string;
  /** Where the URL came from, as messages name it: `REDIS_URL`, `sinks.redis.url (REDIS_URL)`. */
  source: string;
  connectTimeoutMs: number;
  /** PEM CA bundle trusted for `rediss://`; the system's CAs otherwise. */
  caFile?: string | undefined;
  /** The config key of `caFile`, for the message when it cannot be read. */
  caFileKey: string;
  /** Shown by `CLIENT LIST` on the server. */
  name: string;
  logger: Logger;
  /** The codes of the startup errors: a refused login, and anything else. */
  codes: { authFailed: SluiceErrorCode; unavailable: SluiceErrorCode };
}

// Reconnect backoff: 100 ms doubling to 2 s, with jitter so replicas do not reconnect in step.
const RECONNECT = { initialDelayMs: 100, maxDelayMs: 2000, factor: 2, jitter: 0.2 };

/**
 * Opens a client and waits until Redis answers a PING, so a wrong password or an unreachable
 * server is a startup error (a ConfigError: exit 2) naming where the URL came from, never a hang.
 * Afterwards commands fail at once while the connection is down (no offline queue, no per-command
 * retries, nothing re-sent out of order after a reconnect) and the client reconnects with backoff:
 * the caller's breaker or retry decides what an outage means. An outage is logged when it starts
 * and when it ends, with the message only: ioredis attaches the failed command, and AUTH carries
 * the password.
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
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt) => backoffDelayMs(Math.min(attempt, 6), RECONNECT),
  });
  // connect() rejects with a bare "Connection is closed."; the error event says why.
  let firstError: Error | undefined;
  const noteFirst = (error: Error) => {
    firstError ??= error;
  };
  client.on('error', noteFirst);
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw startupError(options, firstError ?? (error as Error));
  } finally {
    client.off('error', noteFirst);
  }
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    options.logger.warn(
      { error: error.message, redis: redactedUrl(options.url), client: options.name },
      'redis connection lost; reconnecting',
    );
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    options.logger.info({ redis: redactedUrl(options.url), client: options.name }, 'redis reconnected');
  });
  return client;
}

function startupError(options: RedisConnectOptions, error: Error): ConfigError {
  const message = errorMessage(error).trim();
  const where = `${options.source}=${redactedUrl(options.url)}`;
  if (/WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username-password/i.test(message)) {
    return new ConfigError(
      options.codes.authFailed,
      `${where}: Redis authentication failed (${message}); check the user name and password in the URL`,
      { subject: options.source },
    );
  }
  return new ConfigError(options.codes.unavailable, `${where}: cannot connect to Redis: ${message}`, {
    subject: options.source,
  });
}

function readCa(options: RedisConnectOptions): Buffer {
  try {
    return readFileSync(options.caFile!);
  } catch (error) {
    throw new ConfigError(
      'SLUICE_CONFIG_FILE_UNREADABLE',
      `${options.caFileKey}: cannot read "${options.caFile}": ${errorMessage(error)}`,
      { subject: options.caFileKey, cause: error },
    );
  }
}
