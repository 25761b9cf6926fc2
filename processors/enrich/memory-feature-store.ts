import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConfigError } from '../../core/errors.ts';
import type { FeatureRow, FeatureStore } from './feature-store.ts';

/**
 * The feature store of the embedded default: a Map seeded from a JSONL file. One lookup per batch,
 * like the Redis store, so the topology cannot tell them apart.
 */
export class MemoryFeatureStore implements FeatureStore {
  readonly kind = 'memory';
  readonly #rows = new Map<string, FeatureRow>();

  set(key: string, row: FeatureRow): void {
    this.#rows.set(key, row);
  }

  get size(): number {
    return this.#rows.size;
  }

  async getMany(keys: readonly string[]): Promise<Array<FeatureRow | undefined>> {
    const rows = new Array<FeatureRow | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) rows[i] = this.#rows.get(keys[i]!);
    return rows;
  }

  async close(): Promise<void> {}

  /** Reads `{ "key": ..., feature: number, ..., "updated_at"?: epochMs }` per line; a bad line names its number. */
  static async fromJsonl(path: string): Promise<MemoryFeatureStore> {
    const store = new MemoryFeatureStore();
    let lineNo = 0;
    try {
      const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
      for await (const line of lines) {
        lineNo++;
        if (line.trim() === '') continue;
        const { key, row } = parseSeedLine(line, path, lineNo);
        store.set(key, row);
      }
    } catch (error) {
      if (error instanceof ConfigError) throw error;
      throw new ConfigError(
        'SLUICE_CONFIG_FILE_UNREADABLE',
        `features.seedFile: cannot read "${path}": ${(error as Error).message}`,
        {
          subject: 'features.seedFile',
          cause: error,
        },
      );
    }
    return store;
  }
}

function parseSeedLine(line: string, path: string, lineNo: number): { key: string; row: FeatureRow } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    throw new ConfigError('SLUICE_CONFIG_INVALID', `features.seedFile ${path}:${lineNo}: not JSON`, {
      subject: 'features.seedFile',
    });
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    typeof (parsed as { key?: unknown }).key !== 'string'
  ) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `features.seedFile ${path}:${lineNo}: expected an object with a string "key"`,
      {
        subject: 'features.seedFile',
      },
    );
  }
  const values: Record<string, number> = {};
  let updatedAtMs: number | undefined;
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === 'key') continue;
    if (name === 'updated_at') updatedAtMs = typeof value === 'number' ? value : undefined;
    else if (typeof value === 'number' && Number.isFinite(value)) values[name] = value;
  }
  const row: FeatureRow = updatedAtMs === undefined ? { values } : { values, updatedAtMs };
  return { key: (parsed as { key: string }).key, row };
}
