import type { Redis } from 'ioredis';
import type { Prediction } from '../../schemas/index.ts';

/** The last prediction of each key, as a reader of the predictions topic sees them (partition by partition, in offset order). */
export function lastPredictionPerKey(predictions: Prediction[]): Map<string, Prediction> {
  const latest = new Map<string, Prediction>();
  for (const prediction of predictions) latest.set(prediction.key, prediction);
  return latest;
}

/** HGETALL and PTTL of each key's hash, in one pipeline. */
export async function readStoredPredictions(
  client: Redis,
  keyTemplate: string,
  keys: string[],
): Promise<Map<string, { fields: Record<string, string>; pttlMs: number }>> {
  const pipeline = client.pipeline();
  for (const key of keys) {
    const hashKey = keyTemplate.replaceAll('{key}', key);
    pipeline.hgetall(hashKey);
    pipeline.pttl(hashKey);
  }
  const replies = (await pipeline.exec()) ?? [];
  const stored = new Map<string, { fields: Record<string, string>; pttlMs: number }>();
  keys.forEach((key, i) => {
    const [hashError, fields] = replies[2 * i]!;
    const [ttlError, pttlMs] = replies[2 * i + 1]!;
    if (hashError || ttlError) throw hashError ?? ttlError;
    const hash = fields as Record<string, string>;
    if (Object.keys(hash).length > 0) stored.set(key, { fields: hash, pttlMs: pttlMs as number });
  });
  return stored;
}

/** Deletes every key matching `pattern` (a test's own prefix) from a shared server. */
export async function deleteKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
