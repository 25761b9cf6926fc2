import type { DriftThresholds } from '../drift-thresholds.ts';
import type {
  CategoricalColumnProfile,
  DriftProfile,
  NumericColumnProfile,
} from '../profile/drift-profile.ts';
import { benjaminiHochberg } from '../stats/benjamini-hochberg.ts';
import { chiSquareGoodnessOfFit, linfDistance } from '../stats/chi-square.ts';
import { jensenShannonDistance, normedWasserstein, psi, shares } from '../stats/distances.ts';
import { type KsMethod, ksPValue, ksStatistic } from '../stats/kolmogorov-smirnov.ts';
import { UNSEEN } from '../window/window-state.ts';

/** What a window holds of a numeric column: its values (all, or the bottom-k sample) ascending, and its counts per reference bin. */
export interface NumericObservation {
  kind: 'numeric';
  sortedValues: Float64Array;
  binCounts: ArrayLike<number>;
}

/** What a window holds of a categorical column: its counts per bucket (profile categories, OTHER, MISSING, UNSEEN). */
export interface CategoricalObservation {
  kind: 'categorical';
  counts: ReadonlyMap<string, number>;
}

export type Severity = 'drift' | 'warning' | 'none';

export interface NumericColumnReport {
  kind: 'numeric';
  count: number;
  ks_statistic: number;
  ks_pvalue: number;
  ks_pvalue_adjusted: number;
  ks_method: 'exact' | 'asymp';
  psi: number;
  wasserstein_normed: number;
  js_distance: number;
  drifted: boolean;
  severity: Severity;
}

export interface CategoricalColumnReport {
  kind: 'categorical';
  count: number;
  chi2_statistic: number;
  chi2_pvalue: number;
  chi2_pvalue_adjusted: number;
  linf: number;
  js_distance: number;
  unseen: number;
  drifted: boolean;
  severity: Severity;
}

export interface DriftReportJson {
  count: number;
  /** False when the window had fewer than `minEvents` events: metrics are reported, nothing is decided. */
  decided: boolean;
  columns: Record<string, NumericColumnReport | CategoricalColumnReport>;
  share_drifted: number;
  drifted: boolean;
}

/** Each profile column's sorted sample as doubles, converted once: every window's report reads it. */
const referenceSamples = new WeakMap<NumericColumnProfile, Float64Array>();

function referenceSample(profile: NumericColumnProfile): Float64Array {
  let sample = referenceSamples.get(profile);
  if (!sample) {
    sample = new Float64Array(profile.sample);
    referenceSamples.set(profile, sample);
  }
  return sample;
}

function numericMetrics(profile: NumericColumnProfile, observation: NumericObservation, method: KsMethod) {
  const reference = referenceSample(profile);
  const current = observation.sortedValues;
  const n1 = reference.length;
  const n2 = current.length;
  const d = n1 > 0 && n2 > 0 ? ksStatistic(reference, current) : Number.NaN;
  const exact = method === 'exact' || (method === 'auto' && Math.max(n1, n2) <= 10_000);
  return {
    kind: 'numeric' as const,
    count: n2,
    ks_statistic: d,
    ks_pvalue: Number.isNaN(d) ? Number.NaN : ksPValue(n1, n2, d, method),
    ks_method: exact ? ('exact' as const) : ('asymp' as const),
    psi: psi(shares(profile.binCounts), shares(observation.binCounts)),
    wasserstein_normed: n1 > 0 && n2 > 0 ? normedWasserstein(reference, current, profile.std) : Number.NaN,
    js_distance: jensenShannonDistance(profile.binCounts, observation.binCounts),
  };
}

function categoricalMetrics(profile: CategoricalColumnProfile, observation: CategoricalObservation) {
  const buckets = Object.keys(profile.counts).sort();
  const reference = buckets.map((b) => profile.counts[b]!);
  const observed = buckets.map((b) => observation.counts.get(b) ?? 0);
  let unseen = 0;
  let count = 0;
  for (const [bucket, n] of observation.counts) {
    count += n;
    if (bucket === UNSEEN || !(bucket in profile.counts)) unseen += n;
  }
  const chi = chiSquareGoodnessOfFit(observed, reference);
  return {
    kind: 'categorical' as const,
    count,
    chi2_statistic: chi.statistic,
    chi2_pvalue: chi.pvalue,
    linf: linfDistance([...reference, 0], [...observed, unseen]),
    js_distance: jensenShannonDistance([...reference, 0], [...observed, unseen]),
    unseen,
  };
}

/**
 * The drift of one window against the profile: every column's metrics, its p-value adjusted by
 * Benjamini–Hochberg across the window's columns, its decision and severity, and the dataset's
 * (the share of drifting columns, or a critical one drifting). `score` names the column that is
 * the model's score: it is reported and decided on its own and not counted in the share.
 */
export function driftReport(
  profile: DriftProfile,
  observations: Readonly<Record<string, NumericObservation | CategoricalObservation>>,
  thresholds: DriftThresholds,
  options: { ksMethod?: KsMethod; count: number; score?: string },
): DriftReportJson {
  const names = Object.keys(observations).filter((name) => profile.columns[name]);
  const metrics = names.map((name) => {
    const column = profile.columns[name]!;
    const observation = observations[name]!;
    if (column.kind === 'numeric' && observation.kind === 'numeric')
      return numericMetrics(column, observation, options.ksMethod ?? 'auto');
    if (column.kind === 'categorical' && observation.kind === 'categorical')
      return categoricalMetrics(column, observation);
    throw new TypeError(
      `column "${name}" is ${column.kind} in the profile but was observed as ${observation.kind}`,
    );
  });
  const adjusted = benjaminiHochberg(
    metrics.map((m) => (m.kind === 'numeric' ? m.ks_pvalue : m.chi2_pvalue)),
  );
  const decided = options.count >= thresholds.minEvents;
  const t = thresholds;
  const columns: DriftReportJson['columns'] = {};
  metrics.forEach((m, i) => {
    const p = adjusted[i]!;
    if (m.kind === 'numeric') {
      const drifted = decided && ((p < t.pValue && m.ks_statistic >= t.ksStatistic) || m.psi >= t.psiDrift);
      const warning = decided && (m.psi >= t.psiWarning || m.wasserstein_normed >= t.wassersteinWarning);
      columns[names[i]!] = {
        ...m,
        ks_pvalue_adjusted: p,
        drifted,
        severity: drifted ? 'drift' : warning ? 'warning' : 'none',
      };
    } else {
      const drifted = decided && ((p < t.pValue && m.linf >= t.linf) || m.js_distance >= t.jsDrift);
      const warning = decided && m.js_distance >= t.jsWarning;
      columns[names[i]!] = {
        ...m,
        chi2_pvalue_adjusted: p,
        drifted,
        severity: drifted ? 'drift' : warning ? 'warning' : 'none',
      };
    }
  });
  const counted = names.filter((name) => name !== options.score);
  const drifting = counted.filter((name) => columns[name]!.drifted);
  const share = counted.length > 0 ? drifting.length / counted.length : 0;
  const critical = drifting.some((name) => t.critical.includes(name));
  return {
    count: options.count,
    decided,
    columns,
    share_drifted: share,
    drifted: decided && (share >= t.datasetShare || critical),
  };
}
