import type { Redis } from 'ioredis';
import { errorMessage, SluiceError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { connectRedis } from '../../core/redis-connect.ts';
import type { Prediction } from '../../schemas/index.ts';
import type { BatchSink } from '../batch-sink.ts';
import { latestPerKey } from './latest-per-key.ts';
import { predictionFields } from './prediction-fields.ts';
import type { RedisSinkConfig } from './redis-sink-config.ts';

/** Reply errors that another try cannot fix: the key holds another type, or the ACL user lacks the right. */
const PERMANENT_REPLY_ERRORS = ['WRONGTYPE', 'NOPERM', 'NOAUTH', 'WRONGPASS'];

/**
 * Writes each batch's latest prediction per key to a Redis hash with a TTL and, when the stream is on,
 * appends every prediction to a capped Redis Stream. One pipeline per batch; `write` resolves only
 * after Redis confirmed every command, so the topology acks (and commits) only what Redis stored.
 * While Redis is unreachable `write` rejects at once with a retriable error (no offline queue: a
 * command is never held back to be sent out of order after a reconnect).
 */
export class RedisPredictionSink implements BatchSink<Prediction> {
  readonly name = 'redis';
  readonly #client: Redis;
  readonly #config: RedisSinkConfig;
  #closed = false;

  /** Connects and checks the server answers; a bad URL, password or ACL fails here, naming `sinks.redis.url`. */
  static async connect(
    config: RedisSinkConfig,
    logger: Logger,
    env: NodeJS.ProcessEnv = process.env,
  ): Promise<RedisPredictionSink> {
    const client = await connectRedis({
      url: config.url,
      source: env.REDIS_URL === config.url ? 'sinks.redis.url (REDIS_URL)' : 'sinks.redis.url (or REDIS_URL)',
      connectTimeoutMs: config.timeoutMs,
      caFile: config.caFile,
      caFileKey: 'sinks.redis.caFile',
      logger,
      name: 'sluice-predictions',
      codes: { authFailed: 'SLUICE_SINK_UNAVAILABLE', unavailable: 'SLUICE_SINK_UNAVAILABLE' },
    });
    return new RedisPredictionSink(client, config);
  }

  /** Takes a client opened by `connectRedis` (which logs its outages). */
  constructor(client: Redis, config: RedisSinkConfig) {
    this.#client = client;
    this.#config = config;
  }

  async write(predictions: Prediction[]): Promise<void> {
    if (predictions.length === 0) return;
    if (this.#closed) throw new SluiceError('SLUICE_SHUTDOWN', 'the redis sink is closed');
    const { keyTemplate, ttlSeconds, stream } = this.#config;
    const pipeline = this.#client.pipeline();
    for (const prediction of latestPerKey(predictions)) {
      const key = keyTemplate.replaceAll('{key}', prediction.key);
      pipeline.hset(key, ...predictionFields(prediction));
      pipeline.expire(key, ttlSeconds);
    }
    if (stream.enabled) {
      for (const prediction of predictions)
        pipeline.xadd(stream.name, 'MAXLEN', '~', stream.maxLen, '*', ...predictionFields(prediction));
    }
    const replies = await this.#withTimeout(pipeline.exec());
    for (const [error] of replies ?? []) if (error) throw writeError(error, predictions.length);
  }

  /** Closes the connection; a write still retrying afterwards fails with SLUICE_SHUTDOWN. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    }
  }

  async #withTimeout<T>(reply: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new SluiceError(
              'SLUICE_SINK_UNAVAILABLE',
              `redis sink: Redis did not confirm the batch within ${this.#config.timeoutMs} ms (sinks.redis.timeoutMs)`,
              { retriable: true, subject: 'sinks.redis.timeoutMs' },
            ),
          ),
        this.#config.timeoutMs,
      );
    });
    try {
      return await Promise.race([reply, timeout]);
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      throw writeError(error, 0);
    } finally {
      clearTimeout(timer);
    }
  }
}

function writeError(error: unknown, predictions: number): SluiceError {
  const message = errorMessage(error);
  if (PERMANENT_REPLY_ERRORS.some((prefix) => message.startsWith(prefix))) {
    return new SluiceError(
      'SLUICE_SINK_REJECTED',
      `redis sink: Redis rejected the write (${message}); check sinks.redis.keyTemplate and the ACL of the sinks.redis.url user`,
      { subject: 'sinks.redis', cause: error },
    );
  }
  const batch = predictions > 0 ? ` of ${predictions} predictions` : '';
  const why = /enableOfflineQueue|Connection is closed/.test(message)
    ? 'not connected to Redis (reconnecting)'
    : message;
  return new SluiceError('SLUICE_SINK_UNAVAILABLE', `redis sink: the write${batch} failed: ${why}`, {
    retriable: true,
    cause: error,
  });
}
