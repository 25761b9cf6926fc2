/**
 * Writes the fraud model's training data from the seeded generator, through the bundle's own
 * compiled input row (models/fraud/input-row.json, the writer the server runs), so the model is
 * trained on exactly the rows the pipeline will feed it.
 *
 *   npm run generate:training -- [--rows 200000] [--seed 42] [--users 5000]
 *                                         [--out models/fraud/data/train.csv]
 *                                         [--features-out models/fraud/user-features.jsonl]
 *
 * Outputs:
 * - `--out`: CSV of the manifest's feature columns + `label` (not committed: models/fraud/data/ is
 *   ignored); beside it `train.meta.json` (feature names, store features, defaults, seed, event
 *   fields), `train.events.csv` (the event fields the drift profile watches, `merchant_category`,
 *   `channel`, `country`, row-aligned with the CSV: line n of one is line n of the other) and
 *   `golden-inputs.csv` (hand-made edge events that models/fraud/train.py adds to golden.json).
 * - `--features-out`: the feature-store seed, one JSON object per user (committed). About 2% of
 *   users have no row and about 1% of rows lack a field; the training rows see the same gaps and
 *   the same defaults as serving does.
 */
import { once } from 'node:events';
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { buildUserFeatureRows, seedRowValues, TransactionGenerator } from '../../models/generator/index.ts';
import { fraudBundle } from '../../processors/infer/index.ts';
import type { TransactionEvent } from '../../schemas/records.ts';
import { formatRow as formatColumns } from './format-float32.ts';

const here = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');
const { row, manifest, featureView } = fraudBundle();
/** Event fields written beside the rows (train.events.csv): the categorical columns of the drift profile. */
const EVENT_FIELDS = ['merchant_category', 'channel', 'country'] as const satisfies ReadonlyArray<
  keyof TransactionEvent
>;
const FRAUD_FEATURES = manifest.features;
const FRAUD_FEATURE_COUNT = row.width;
const writeFeatureVector = row.write;
const { values: args } = parseArgs({
  options: {
    rows: { type: 'string', default: '200000' },
    seed: { type: 'string', default: '42' },
    users: { type: 'string', default: '5000' },
    out: { type: 'string', default: join(here, 'fraud', 'data', 'train.csv') },
    'features-out': { type: 'string', default: join(here, 'fraud', 'user-features.jsonl') },
  },
});

const rows = positiveInt('rows', args.rows);
const seed = positiveInt('seed', args.seed);
const users = positiveInt('users', args.users);
const outPath = resolve(args.out);
const featuresPath = resolve(args['features-out']);

function positiveInt(name: string, raw: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`--${name} must be a non-negative integer, got "${raw}"`);
    process.exit(2);
  }
  return value;
}

function formatRow(vector: Float32Array, label?: number): string {
  return formatColumns(vector, FRAUD_FEATURE_COUNT, label);
}

/** A CSV cell: quoted when it holds a comma, a quote or a line break. */
function csvCell(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** One line of train.events.csv: the event's EVENT_FIELDS. */
function formatEventFields(event: TransactionEvent): string {
  return EVENT_FIELDS.map((field) => csvCell(String(event[field]))).join(',');
}

/** Edge events for the golden file: extreme, defaulted and unseen inputs the holdout rarely has. */
function goldenEdgeInputs(
  start: number,
): Array<{ note: string; event: TransactionEvent; features: Record<string, number> }> {
  const base: TransactionEvent = {
    event_id: 'golden',
    key: 'user-golden',
    event_time: start,
    amount: 42,
    merchant_category: 'grocery',
    country: 'US',
    channel: 'POS',
  };
  const typical = { avg_amount_30d: 60, txn_count_7d: 8, account_age_days: 600, days_since_last_login: 2 };
  return [
    {
      note: 'zero amount, unknown user (all store features defaulted)',
      event: { ...base, amount: 0 },
      features: {},
    },
    { note: 'maximum amount 1e7', event: { ...base, amount: 1e7 }, features: typical },
    {
      note: 'unseen category crypto_exchange, online, foreign',
      event: { ...base, merchant_category: 'crypto_exchange', channel: 'ONLINE', country: 'NG', amount: 900 },
      features: typical,
    },
    {
      note: 'unknown category string, two store features missing',
      event: { ...base, merchant_category: 'no-such-category', amount: 77.7 },
      features: { avg_amount_30d: 35, account_age_days: 15 },
    },
    {
      note: 'brand-new account, long since login, jewelry at an ATM abroad at 03:00 UTC',
      event: {
        ...base,
        merchant_category: 'jewelry',
        channel: 'ATM',
        country: 'RU',
        amount: 4000,
        event_time: start + 3 * 3_600_000,
      },
      features: { avg_amount_30d: 20, txn_count_7d: 0, account_age_days: 0, days_since_last_login: 365 },
    },
    {
      note: 'avg_amount_30d of 0 (amount_to_avg divides by max(avg, 1))',
      event: { ...base, amount: 500 },
      features: { ...typical, avg_amount_30d: 0 },
    },
    {
      note: 'event_time before 1970 (hour_of_day of a negative timestamp)',
      event: { ...base, event_time: -5 * 3_600_000 },
      features: typical,
    },
    {
      note: 'very active, very old account, tiny amount at 23:00 UTC',
      event: {
        ...base,
        amount: 0.01,
        event_time: start + 23 * 3_600_000,
        channel: 'ONLINE',
        merchant_category: 'gaming',
      },
      features: {
        avg_amount_30d: 5000,
        txn_count_7d: 10_000,
        account_age_days: 7300,
        days_since_last_login: 0,
      },
    },
  ];
}

async function main(): Promise<void> {
  const generator = new TransactionGenerator({ seed, users });
  const seedRows = buildUserFeatureRows(generator);
  const storeByUser = new Map(seedRows.map((row) => [row.key, seedRowValues(row)]));

  mkdirSync(dirname(featuresPath), { recursive: true });
  writeFileSync(featuresPath, `${seedRows.map((row) => JSON.stringify(row)).join('\n')}\n`);
  console.error(
    `wrote ${seedRows.length} feature rows for ${users} users to ${relative(process.cwd(), featuresPath)}`,
  );

  const dataDir = dirname(outPath);
  mkdirSync(dataDir, { recursive: true });
  const vector = new Float32Array(FRAUD_FEATURE_COUNT);
  const noFeatures: Record<string, number> = {};

  const golden = [`note,${FRAUD_FEATURES.join(',')}`];
  for (const edge of goldenEdgeInputs(generator.startTimeMs)) {
    writeFeatureVector(edge.event, edge.features, vector, 0);
    golden.push(`"${edge.note}",${formatRow(vector)}`);
  }
  writeFileSync(join(dataDir, 'golden-inputs.csv'), `${golden.join('\n')}\n`);

  const eventsPath = `${outPath.replace(/\.csv$/, '')}.events.csv`;
  const meta = {
    features: FRAUD_FEATURES,
    storeFeatures: featureView.names,
    featureDefaults: featureView.defaults,
    seed,
    users,
    rows,
    csv: basename(outPath),
    eventFields: EVENT_FIELDS,
    eventsCsv: basename(eventsPath),
  };
  writeFileSync(`${outPath.replace(/\.csv$/, '')}.meta.json`, `${JSON.stringify(meta, null, 2)}\n`);

  const out = createWriteStream(outPath);
  out.write(`${FRAUD_FEATURES.join(',')},label\n`);
  const events = createWriteStream(eventsPath);
  events.write(`${EVENT_FIELDS.join(',')}\n`);
  const chunkRows = 10_000;
  const progressEvery = Math.max(chunkRows, Math.ceil(rows / 10 / chunkRows) * chunkRows);
  let positives = 0;
  let chunk: string[] = [];
  let eventChunk: string[] = [];
  for (let i = 0; i < rows; i++) {
    const { event, label } = generator.next();
    positives += label;
    writeFeatureVector(event, storeByUser.get(event.key) ?? noFeatures, vector, 0);
    chunk.push(formatRow(vector, label));
    eventChunk.push(formatEventFields(event));
    if (chunk.length === chunkRows || i === rows - 1) {
      if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
      if (!events.write(`${eventChunk.join('\n')}\n`)) await once(events, 'drain');
      chunk = [];
      eventChunk = [];
    }
    if ((i + 1) % progressEvery === 0 && i + 1 < rows) console.error(`  ${i + 1}/${rows} rows`);
  }
  out.end();
  events.end();
  await Promise.all([once(out, 'finish'), once(events, 'finish')]);
  const rate = rows === 0 ? 0 : positives / rows;
  console.error(
    `wrote ${rows} rows (fraud rate ${(rate * 100).toFixed(2)}%) to ${relative(process.cwd(), outPath)}, their event fields to ${relative(process.cwd(), eventsPath)}`,
  );
}

await main();
