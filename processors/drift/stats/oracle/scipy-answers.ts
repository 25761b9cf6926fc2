import { readFileSync } from 'node:fs';

/** One numeric oracle case: two samples (NaN as null) and scipy's and numpy's answers for them. */
export interface NumericCase {
  name: string;
  reference: Array<number | null>;
  current: Array<number | null>;
  edges: number[];
  reference_counts: number[];
  current_counts: number[];
  psi: number;
  ks_statistic: number;
  ks_pvalue_exact: number;
  ks_pvalue_asymp: number | null;
  ks_pvalue_auto: number;
  reference_std: number;
  wasserstein: number;
  wasserstein_normed: number;
  js_distance: number;
}

export interface CategoricalCase {
  name: string;
  reference: Record<string, number>;
  current: Record<string, number>;
  chi2_statistic: number;
  chi2_pvalue: number;
  unseen: number;
  linf: number;
}

/** scipy's answers, written by make_fixtures.py (scipy and numpy pinned in requirements.txt) and committed. */
export interface ScipyAnswers {
  numeric: NumericCase[];
  categorical: CategoricalCase[];
  kolmogorov: Array<{ n: number; x: number; sf: number }>;
  benjamini_hochberg: Array<{ p: number[]; adjusted: number[] }>;
}

export function scipyAnswers(): ScipyAnswers {
  return JSON.parse(readFileSync(new URL('./scipy-answers.json', import.meta.url), 'utf8')) as ScipyAnswers;
}
