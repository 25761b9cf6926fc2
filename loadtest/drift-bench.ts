/**
 * `npm run bench:drift [-- --runs 5]`: what drift costs. Per event, the tap (windows, bins,
 * bottom-k sample, Page–Hinkley) and the aggregator (merging partials, the report at each
 * window's close), for the fraud example (16 numeric and 3 categorical columns) and for 30
 * columns; then the embedded pipeline end to end with drift on and off, alternating in one run,
 * for drift's share of the pipeline's CPU and the throughput ratio. Prints tables, writes
 * bench-results/drift-*.json.
 */
import { Command } from 'commander';
import { silentLogger } from '../core/logger.ts';
import type { BundleDrift } from '../processors/drift/profile/bundle-drift.ts';
import { type DriftProfile, numericProfile } from '../processors/drift/profile/drift-profile.ts';
import { driftColumns } from '../processors/drift/tap/drift-columns.ts';
import { fraudBundle, InferencePool, type ModelBundle } from '../processors/infer/index.ts';
import type { ScoringItem } from '../processors/scoring-item.ts';
import { replayDrift } from './drift-replay.ts';
import { generateEncodedEvents, measurePipeline } from './pipeline-bench.ts';
import { formatNumber, median, printTable, writeJson } from './report.ts';
import { scoredFraudBatches } from './scored-fraud-stream.ts';

const RATE = 500; // the built-in generator's default: 30,000 events a 60 s window
const WINDOWS = 10;

async function collect(): Promise<ScoringItem[][]> {
  const batches: ScoringItem[][] = [];
  for await (const batch of scoredFraudBatches({
    seed: 3,
    events: WINDOWS * 60 * RATE,
    eventsPerSecond: RATE,
    startTimeMs: Date.UTC(2025, 0, 6, 12),
    batchSize: 256,
  }))
    batches.push(batch);
  return batches;
}

/** The fraud stream with a 26-column row (the 12 fraud columns, scaled copies after them): 30 watched columns with the score and the 3 categorical fields. */
function thirtyColumns(batches: ScoringItem[][]) {
  const width = 26;
  const names = Array.from({ length: width }, (_, i) => `c${i}`);
  const wide = batches.map((batch) =>
    batch.map((item) => {
      const row = new Float32Array(width);
      for (let j = 0; j < width; j++) row[j] = item.row![j % 12]! * (1 + Math.floor(j / 12));
      return { ...item, row };
    }),
  );
  const fraud = fraudBundle();
  const base = fraud.drift!.profile;
  const reference = wide.flat().slice(0, 20_000);
  const profile: DriftProfile = {
    ...base,
    columns: {
      ...Object.fromEntries(
        names.map((name, j) => [
          name,
          numericProfile(
            reference.map((item) => item.row![j]!),
            10_000,
            1,
          ),
        ]),
      ),
      score: base.columns.score!,
      merchant_category: base.columns.merchant_category!,
      channel: base.columns.channel!,
      country: base.columns.country!,
    },
  };
  const drift: BundleDrift = {
    profilePath: '(synthetic)',
    profile,
    numericFields: [],
    categoricalFields: ['merchant_category', 'channel', 'country'],
    critical: [],
  };
  return { batches: wide, bundle: { ...fraud, drift, row: { ...fraud.row, width, names } } };
}

async function costs(
  batches: ScoringItem[][],
  runs: number,
  bundle?: NonNullable<Parameters<typeof replayDrift>[1]>['bundle'],
) {
  const tap: number[] = [];
  const aggregate: number[] = [];
  async function* again() {
    for (const batch of batches) yield batch;
  }
  for (let r = 0; r < runs; r++) {
    const result = await replayDrift(again(), { bundle });
    tap.push(result.tapNsPerEvent);
    aggregate.push(result.aggregateNsPerEvent);
  }
  return { tapNs: median(tap), aggregateNs: median(aggregate), tapSamples: tap, aggregateSamples: aggregate };
}

/** "N numeric + M categorical": the columns a bundle's drift windows watch (the score among the numeric). */
function shape(bundle: Pick<ModelBundle, 'drift' | 'row'>): string {
  const columns = driftColumns(bundle.drift!, bundle.row.names, 1);
  return `${columns.numericNames.length} numeric + ${columns.categoricalNames.length} categorical`;
}

async function main(options: { runs: string; events: string }): Promise<void> {
  const runs = Number(options.runs);
  process.stderr.write(`drift-bench: scoring ${WINDOWS} windows of generated events...\n`);
  const batches = await collect();
  const events = batches.reduce((n, b) => n + b.length, 0);
  process.stderr.write(`drift-bench: tap and aggregator, fraud (${runs} runs)...\n`);
  const fraud = await costs(batches, runs);
  process.stderr.write(`drift-bench: tap and aggregator, 30 columns (${runs} runs)...\n`);
  const wide = thirtyColumns(batches);
  const thirty = await costs(wide.batches, runs, wide.bundle);

  process.stderr.write(
    `drift-bench: the pipeline end to end, drift on and off alternating (${runs} runs each)...\n`,
  );
  const pool = await InferencePool.create({
    manifestPath: 'models/fraud/manifest.json',
    logger: silentLogger,
  });
  const encoded = generateEncodedEvents(Number(options.events));
  const on: Array<{ eventsPerSecond: number; cpuMicrosPerEvent: number }> = [];
  const off: typeof on = [];
  for (let r = 0; r < runs; r++) {
    on.push(await measurePipeline(pool, encoded, { maxBatchSize: 256 }, undefined, { drift: true }));
    off.push(await measurePipeline(pool, encoded, { maxBatchSize: 256 }, undefined, { drift: false }));
    process.stderr.write(
      `drift-bench: run ${r + 1}/${runs}: on ${formatNumber(on.at(-1)!.eventsPerSecond)}/s, off ${formatNumber(off.at(-1)!.eventsPerSecond)}/s\n`,
    );
  }
  await pool.close();
  const cpuOff = median(off.map((s) => s.cpuMicrosPerEvent)) * 1000;
  const cpuOn = median(on.map((s) => s.cpuMicrosPerEvent)) * 1000;
  const rateOn = median(on.map((s) => s.eventsPerSecond));
  const rateOff = median(off.map((s) => s.eventsPerSecond));
  const share = (ns: number) => `${formatNumber((100 * ns) / cpuOn, 1)}%`;

  printTable({
    title: `Drift cost per event (60 s windows, sample 1,000, ${formatNumber(events)} events at ${RATE}/s of event time); median of ${runs}`,
    columns: ['columns', 'tap ns/event', 'aggregator ns/event', 'total ns/event', 'share of pipeline CPU'],
    rows: [
      [`fraud (${shape(fraudBundle())})`, fraud.tapNs, fraud.aggregateNs],
      [`30 (${shape(wide.bundle)})`, thirty.tapNs, thirty.aggregateNs],
    ].map(([name, tap, agg]) => [
      name as string,
      formatNumber(tap as number),
      formatNumber(agg as number),
      formatNumber((tap as number) + (agg as number)),
      share((tap as number) + (agg as number)),
    ]),
  });
  printTable({
    title: `Embedded pipeline, batch 256, ${formatNumber(Number(options.events))} events; median of ${runs}, alternating`,
    columns: ['drift', 'events/s', 'CPU ns/event (all threads)'],
    rows: [
      ['on', formatNumber(rateOn), formatNumber(cpuOn)],
      ['off', formatNumber(rateOff), formatNumber(cpuOff)],
    ],
  });
  process.stdout.write(
    `\ndrift on = ${formatNumber((100 * rateOn) / rateOff, 1)}% of drift off end to end (target >= 90%); fraud drift = ${share(fraud.tapNs + fraud.aggregateNs)} of pipeline CPU (target < 10%)\n`,
  );
  const path = writeJson('drift', {
    events,
    fraud,
    thirtyColumns: thirty,
    pipeline: { on, off, rateOn, rateOff, cpuNsPerEventOn: cpuOn, cpuNsPerEventOff: cpuOff },
  });
  process.stderr.write(`drift-bench: wrote ${path}\n`);
}

await new Command('drift-bench')
  .option('--runs <n>', 'runs per measurement', '5')
  .option('--events <n>', 'events per end-to-end run', '200000')
  .action(main)
  .parseAsync();
