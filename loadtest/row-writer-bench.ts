import { performance } from 'node:perf_hooks';
import { TransactionGenerator } from '../models/generator/index.ts';
import { fraudBundle } from '../processors/infer/index.ts';
import type { TransactionEvent } from '../schemas/records.ts';
import { FRAUD_FEATURE_COUNT, writeFeatureVector } from '../tests/support/hand-written-fraud-row.ts';
import { formatNumber, median, printTable, writeJson } from './report.ts';

type Writer = (
  event: TransactionEvent,
  features: Readonly<Record<string, number>>,
  out: Float32Array,
  offset: number,
) => void;

/**
 * The events and store features the row benches write rows of: 4,096 generated transactions, one
 * user in ten unknown to the store (so the defaults' path is timed too).
 */
export function rowBenchInputs(): { events: TransactionEvent[]; features: Array<Record<string, number>> } {
  const generator = new TransactionGenerator({ seed: 5 });
  const events: TransactionEvent[] = [];
  const features: Array<Record<string, number>> = [];
  for (let i = 0; i < 4096; i++) {
    events.push(generator.next().event);
    features.push(
      i % 10 === 0
        ? {}
        : {
            avg_amount_30d: 40 + (i % 90),
            txn_count_7d: i % 20,
            account_age_days: 900,
            days_since_last_login: 1,
          },
    );
  }
  return { events, features };
}

/**
 * ns per row of the fraud row, written by the compiled declaration (models/fraud/input-row.json)
 * and by the hand-written writeFeatureVector, into batches of 256 as the infer stage writes them.
 * The two alternate within each round so machine noise hits both alike; medians of the rounds.
 */
export function measureRowWriters(
  rounds: number,
  rowsPerRound: number,
): { compiledNs: number[]; handNs: number[] } {
  const compiled = fraudBundle().row;
  const { events, features } = rowBenchInputs();
  const out = new Float32Array(256 * FRAUD_FEATURE_COUNT);
  const time = (write: Writer): number => {
    const started = performance.now();
    for (let n = 0; n < rowsPerRound; n++) {
      const i = n & 4095;
      write(events[i]!, features[i]!, out, (n & 255) * FRAUD_FEATURE_COUNT);
    }
    return ((performance.now() - started) * 1e6) / rowsPerRound;
  };
  // Warm both up to their optimised code before anything is timed.
  time(compiled.write as Writer);
  time(writeFeatureVector);
  const compiledNs: number[] = [];
  const handNs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      compiledNs.push(time(compiled.write as Writer));
      handNs.push(time(writeFeatureVector));
    } else {
      handNs.push(time(writeFeatureVector));
      compiledNs.push(time(compiled.write as Writer));
    }
  }
  return { compiledNs, handNs };
}

/** `npm run bench -- row`: ns per row, the compiled input-row declaration against the hand-written row. */
export function rowBench(options: { runs: string; rows: string }): void {
  const runs = Number(options.runs);
  const { compiledNs, handNs } = measureRowWriters(runs, Number(options.rows));
  const compiled = median(compiledNs);
  const hand = median(handNs);
  printTable({
    title: `Fraud input row, ${options.rows} rows per run into batches of 256; median of ${runs}`,
    columns: ['writer', 'ns per row', 'vs hand-written'],
    rows: [
      ['hand-written writeFeatureVector', formatNumber(hand, 1), '100.0%'],
      [
        'compiled models/fraud/input-row.json',
        formatNumber(compiled, 1),
        `${formatNumber((compiled / hand) * 100, 1)}%`,
      ],
    ],
  });
  process.stdout.write(`compiled/hand ${formatNumber(compiled / hand, 3)}\n`);
  process.stdout.write(
    `wrote ${writeJson('row', { runs, rows: Number(options.rows), compiledNs, handNs })}\n`,
  );
}
