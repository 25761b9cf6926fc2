import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TransactionGenerator } from './transaction-generator.ts';
import { buildUserFeatureRows } from './user-feature-rows.ts';

const seedFile = new URL('../fraud/user-features.jsonl', import.meta.url);

describe('models/fraud/user-features.jsonl is what the generator (seed 42, 5000 users) says', () => {
  const lines = readFileSync(seedFile, 'utf8').trimEnd().split('\n');

  it('matches a fresh build line for line (regenerate with models/write-training-data.ts)', () => {
    const rows = buildUserFeatureRows(new TransactionGenerator({ seed: 42, users: 5000 }));
    expect(lines).toEqual(rows.map((row) => JSON.stringify(row)));
  });

  it('leaves gaps on purpose: ~2% of users without a row, some rows without a field, and stays small', () => {
    expect(lines.length).toBeGreaterThan(4800);
    expect(lines.length).toBeLessThan(4950);
    const partial = lines.filter((line) => Object.keys(JSON.parse(line) as object).length < 6);
    expect(partial.length).toBeGreaterThan(10);
    expect(statSync(seedFile).size).toBeLessThan(1_000_000);
  });
});
