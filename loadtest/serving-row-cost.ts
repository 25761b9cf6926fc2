/**
 * ns per row of the fraud row as the server of the working directory's checkout writes it: the
 * compiled bundle row where that checkout has one (`fraudBundle`), else the hand-written
 * `writeFeatureVector` of before. It imports from `process.cwd()`, so ab-bench can run this one
 * file against an older commit (which lacks it) and the work tree alike:
 *
 *   ../shared/tools/ab-bench --base 12b879f --runs 7 --cmd "node --import tsx $(pwd)/loadtest/serving-row-cost.ts" \
 *     --metric 'rowns=rowns ([0-9.]+)'
 */
import { performance } from 'node:perf_hooks';

type Write = (event: object, features: Record<string, number>, out: Float32Array, offset: number) => void;

const root = process.cwd();
const infer = (await import(`${root}/processors/infer/index.ts`)) as {
  fraudBundle?: () => { row: { write: Write } };
  writeFeatureVector?: Write;
};
const { TransactionGenerator } = (await import(`${root}/models/generator/index.ts`)) as {
  TransactionGenerator: new (options: { seed: number }) => { next(): { event: object } };
};
const write = infer.fraudBundle ? infer.fraudBundle().row.write : infer.writeFeatureVector!;
const WIDTH = 12;
const ROWS = 2_000_000;
const ROUNDS = 9;

const generator = new TransactionGenerator({ seed: 5 });
const events: object[] = [];
const features: Array<Record<string, number>> = [];
for (let i = 0; i < 4096; i++) {
  events.push(generator.next().event);
  // One user in ten is unknown to the store: the defaults' path is timed too.
  features.push(
    i % 10 === 0
      ? {}
      : {
          avg_amount_30d: 50 + (i % 90),
          txn_count_7d: i % 20,
          account_age_days: i % 900,
          days_since_last_login: i % 30,
        },
  );
}
const out = new Float32Array(256 * WIDTH);
const samples: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const started = performance.now();
  for (let n = 0; n < ROWS; n++) write(events[n & 4095]!, features[n & 4095]!, out, (n & 255) * WIDTH);
  samples.push(((performance.now() - started) * 1e6) / ROWS);
}
samples.sort((a, b) => a - b);
const writer = infer.fraudBundle ? 'compiled bundle row' : 'hand-written writeFeatureVector';
process.stdout.write(
  `rowns ${samples[ROUNDS >> 1]!.toFixed(2)} (${writer}, median of ${ROUNDS} rounds of ${ROWS} rows)\n`,
);
