import { readFileSync, writeFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import { ConfigError, errorMessage } from '../../core/errors.ts';
import { driftThresholdsSchema } from '../../processors/drift/drift-thresholds.ts';
import {
  categoricalProfile,
  DEFAULT_FOLD_SHARE,
  type DriftProfile,
  driftProfileSchema,
  numericProfile,
} from '../../processors/drift/profile/drift-profile.ts';
import {
  type CategoricalObservation,
  type DriftReportJson,
  driftReport,
  type NumericObservation,
} from '../../processors/drift/report/drift-report.ts';
import { binCounts } from '../../processors/drift/stats/quantiles.ts';
import { MISSING, OTHER, UNSEEN } from '../../processors/drift/window/window-state.ts';
import { asCategory, asNumber, looksNumeric, readColumns } from './read-columns.ts';

const list = (text: string | undefined) =>
  text
    ? text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : undefined;

function positiveInt(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value <= 0)
    throw new ConfigError('SLUICE_CONFIG_INVALID', `${flag} ${text}: a positive integer`, { subject: flag });
  return value;
}

async function profileCommand(options: Record<string, string | undefined>): Promise<void> {
  const { rows, columns, badLines } = await readColumns(options.input!);
  const numeric = list(options.numeric);
  const categorical = list(options.categorical);
  const chosen = numeric || categorical ? [...(numeric ?? []), ...(categorical ?? [])] : [...columns.keys()];
  const sampleSize = positiveInt('--sample-size', options.sampleSize!);
  const seed = Number(options.seed);
  const profile: DriftProfile = {
    version: 1,
    rows,
    sampleSize,
    seed,
    foldShare: DEFAULT_FOLD_SHARE,
    columns: {},
  };
  for (const name of chosen) {
    const cells = columns.get(name);
    if (!cells)
      throw new ConfigError(
        'SLUICE_CONFIG_INVALID',
        `column "${name}" is not in ${options.input} (columns: ${[...columns.keys()].join(', ')})`,
        { subject: name },
      );
    const isNumeric = numeric
      ? numeric.includes(name)
      : categorical
        ? !categorical.includes(name)
        : looksNumeric(cells);
    profile.columns[name] = isNumeric
      ? numericProfile(cells.map(asNumber), sampleSize, seed)
      : categoricalProfile(cells.map(asCategory), DEFAULT_FOLD_SHARE);
  }
  writeFileSync(options.out!, `${JSON.stringify(profile)}\n`);
  for (const bad of badLines.slice(0, 50))
    process.stderr.write(`bad line: ${options.input}:${bad.lineNo}: ${bad.reason}\n`);
  const kinds = Object.entries(profile.columns).map(([name, c]) => `${name} (${c.kind})`);
  process.stdout.write(
    `wrote ${options.out}: ${rows.toLocaleString('en-US')} rows, ${kinds.length} columns: ${kinds.join(', ')}\n`,
  );
}

function readProfile(path: string): DriftProfile {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError('SLUICE_CONFIG_INVALID', `--profile ${path}: ${errorMessage(error)}`, {
      subject: '--profile',
    });
  }
  const parsed = driftProfileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `--profile ${path}: ${issue.path.join('.')}: ${issue.message}`,
      { subject: '--profile' },
    );
  }
  return parsed.data;
}

async function reportCommand(options: Record<string, string | boolean | undefined>): Promise<void> {
  const profile = readProfile(options.profile as string);
  const { rows, columns } = await readColumns(options.input as string);
  const observations: Record<string, NumericObservation | CategoricalObservation> = {};
  for (const [name, column] of Object.entries(profile.columns)) {
    const cells = columns.get(name);
    if (!cells) continue;
    if (column.kind === 'numeric') {
      const values = Float64Array.from(cells.map(asNumber).filter((v) => !Number.isNaN(v))).sort();
      observations[name] = {
        kind: 'numeric',
        sortedValues: values,
        binCounts: binCounts(column.edges, values),
      };
    } else {
      const folded = new Set(column.folded);
      const counts = new Map<string, number>();
      for (const cell of cells) {
        const v = asCategory(cell);
        const bucket = v === null ? MISSING : folded.has(v) ? OTHER : v in column.counts ? v : UNSEEN;
        counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
      }
      observations[name] = { kind: 'categorical', counts };
    }
  }
  const thresholds = driftThresholdsSchema.parse({ minEvents: Number(options.minEvents) });
  const report = driftReport(profile, observations, thresholds, {
    count: rows,
    ksMethod: options.ksMethod as 'exact' | 'asymp' | 'auto',
  });
  process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : table(report));
}

function table(report: DriftReportJson): string {
  const fmt = (v: number) =>
    Number.isNaN(v) ? '-' : Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2);
  const lines = [
    `${report.count.toLocaleString('en-US')} rows; ${(report.share_drifted * 100).toFixed(0)}% of columns drifted; dataset ${report.drifted ? 'DRIFTED' : report.decided ? 'stable' : 'undecided (too few rows)'}`,
  ];
  for (const [name, c] of Object.entries(report.columns)) {
    lines.push(
      c.kind === 'numeric'
        ? `  ${name.padEnd(24)} numeric      KS D ${fmt(c.ks_statistic)} p ${fmt(c.ks_pvalue)} (${c.ks_method}, adjusted ${fmt(c.ks_pvalue_adjusted)})  PSI ${fmt(c.psi)}  W/σ ${fmt(c.wasserstein_normed)}  JS ${fmt(c.js_distance)}  ${c.severity}`
        : `  ${name.padEnd(24)} categorical  chi2 ${fmt(c.chi2_statistic)} p ${fmt(c.chi2_pvalue)} (adjusted ${fmt(c.chi2_pvalue_adjusted)})  L∞ ${fmt(c.linf)}  JS ${fmt(c.js_distance)}  unseen ${c.unseen}  ${c.severity}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** `sluice drift profile` and `sluice drift report`: the reference profile and an offline drift report. */
export function driftCommand(): Command {
  const drift = new Command('drift').description('drift statistics: reference profiles and offline reports');
  drift
    .command('profile')
    .description(
      'write the reference profile of a CSV or JSONL file (sample, decile bins and std per numeric column; counts per category)',
    )
    .requiredOption('--input <file>', 'CSV (header line first) or JSONL')
    .requiredOption('--out <profile.json>', 'where to write the profile')
    .option(
      '--numeric <columns>',
      'comma-separated numeric columns (default: the columns whose every value is a number)',
    )
    .option('--categorical <columns>', 'comma-separated categorical columns (default: the other columns)')
    .option(
      '--sample-size <n>',
      'reference values kept per numeric column (a seeded subsample beyond it)',
      '10000',
    )
    .option('--seed <n>', 'seed of the subsample', '42')
    .action(profileCommand);
  drift
    .command('report')
    .description("compare a CSV or JSONL file with a reference profile: each column's metrics and decision")
    .requiredOption('--profile <profile.json>', 'from sluice drift profile')
    .requiredOption('--input <file>', 'CSV (header line first) or JSONL, the current rows')
    .addOption(
      new Option('--ks-method <method>', 'the KS p-value, as scipy.stats.ks_2samp')
        .choices(['exact', 'asymp', 'auto'])
        .default('auto'),
    )
    .option('--min-events <n>', 'fewer rows than this decide nothing', '1')
    .option('--json', 'one JSON object instead of the table')
    .action(reportCommand);
  return drift;
}
