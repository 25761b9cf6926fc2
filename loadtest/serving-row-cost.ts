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
import { rowBenchInputs } from './row-writer-bench.ts';

type Write = (event: object, features: Record<string, number>, out: Float32Array, offset: number) => void;

const root = process.cwd();
const infer = (await import(`${root}/processors/infer/index.ts`)) as {
  fraudBundle?: () => { row: { write: Write } };
  writeFeatureVector?: Write;
};
const write = infer.fraudBundle ? infer.fraudBundle().row.write : infer.writeFeatureVector!;
const WIDTH = 12;
const ROWS = 2_000_000;
const ROUNDS = 9;

// The inputs come from this file's own tree: the same events and features whichever checkout is measured.
const { events, features } = rowBenchInputs();
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
