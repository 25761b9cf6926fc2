import { writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFeatureFile } from '../../app/features-load/load-feature-file.ts';
import { RedisFeatureStore } from '../../processors/enrich/index.ts';
import { startCli } from '../support/cli-process.ts';
import { testClient, testView } from '../support/redis-features.ts';
import { startThrowawayRedis, type ThrowawayRedis } from '../support/redis-server.ts';

let redis: ThrowawayRedis;
let dir: string;
beforeAll(async () => {
  redis = await startThrowawayRedis();
  dir = await mkdtemp(join(tmpdir(), 'sluice-features-'));
});
afterAll(() => redis?.stop());

/** Bad rows sit at known lines; every other line is a good entity. */
const BAD_LINES = new Map<number, string>([
  [10, '{"key":"u-bad-1","txn_count_7d":"lots"}'],
  [5_000, 'not json at all'],
  [50_000, '{"avg_amount_30d":1}'],
  [100_003, '{"key":"u-bad-4","txn_count_7d":2.5}'],
]);

function writeJsonl(path: string, goodRows: number): void {
  const lines: string[] = [];
  for (let good = 0; lines.length < goodRows + BAD_LINES.size; ) {
    const bad = BAD_LINES.get(lines.length + 1);
    if (bad) lines.push(bad);
    else {
      lines.push(
        JSON.stringify({
          key: `u${good}`,
          avg_amount_30d: good % 500,
          txn_count_7d: good % 40,
          account_age_days: 100,
          days_since_last_login: 1,
          updated_at: 1_736_000_000_000,
        }),
      );
      good++;
    }
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

describe('the feature loader', () => {
  it('loads 100,000 rows in the packed layout and reports each bad row by line number without stopping', async () => {
    const file = join(dir, 'users.jsonl');
    writeJsonl(file, 100_000);
    const client = await testClient(redis.url);
    try {
      const view = testView({ keyTemplate: 'big:{key}' });
      const summary = await loadFeatureFile({ file, client, view, batchSize: 1000 });
      expect(summary.loaded).toBe(100_000);
      expect(summary.badRows.map((b) => b.lineNo)).toEqual([...BAD_LINES.keys()]);
      expect(summary.badRows[0]!.reason).toBe('txn_count_7d: "lots" is not a long');
      expect(summary.badRows[2]!.reason).toContain('"key" must be a non-empty string');
      expect(await client.dbsize()).toBe(100_000);
      const [row] = await new RedisFeatureStore(client, view).getMany(['u99999']);
      expect(row).toEqual({
        values: {
          avg_amount_30d: 99_999 % 500,
          txn_count_7d: 99_999 % 40,
          account_age_days: 100,
          days_since_last_login: 1,
        },
        updatedAtMs: 1_736_000_000_000,
      });
    } finally {
      client.disconnect();
    }
  });

  it('runs as `sluice features load` on a CSV into hashes, printing bad rows and a summary', async () => {
    const file = join(dir, 'users.csv');
    writeFileSync(
      file,
      'key,avg_amount_30d,txn_count_7d,account_age_days,days_since_last_login,updated_at\n' +
        'c1,10.5,3,200,1,1736000000000\nc2,abc,3,200,1,\nc3,1,2\nc4,,7,300,,\n',
    );
    const cli = startCli(['features', 'load', file, '--view', 'user'], {
      REDIS_URL: redis.url,
      SLUICE_FEATURES__VIEWS: JSON.stringify({ user: { layout: 'hash', keyTemplate: 'csv:{key}' } }),
    });
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain(`bad row: ${file}:3: avg_amount_30d: "abc" is not a double`);
    expect(cli.output()).toContain(`bad row: ${file}:4: expected 6 columns`);
    expect(cli.output()).toMatch(
      /loaded 2 rows into view "user" \(hash layout, keys csv:\{key\}\); 2 bad rows skipped; [\d.]+ s, [\d,]+ rows\/s/,
    );
    const client = await testClient(redis.url);
    try {
      expect(await client.hgetall('csv:c4')).toEqual({
        txn_count_7d: '7',
        account_age_days: '300',
        updated_at: expect.any(String),
      });
    } finally {
      client.disconnect();
    }
  });
});
