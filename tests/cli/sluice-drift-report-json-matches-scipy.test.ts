import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scipyAnswers } from '../../processors/drift/stats/oracle/scipy-answers.ts';
import { runCliToExit } from '../support/cli-process.ts';

// The committed oracle of processors/drift/stats (oracle/make_fixtures.py, scipy and numpy pinned).
const oracle = scipyAnswers();
// Categories the reference lists with a zero count cannot come from data: that case is the unit tests'.
const categorical = oracle.categorical.filter((c) => Object.values(c.reference).every((n) => n > 0));
const dir = mkdtempSync(join(tmpdir(), 'sluice-drift-'));
const column = (i: number) => `numeric_${i}`;
const categoryColumn = (i: number) => `categorical_${i}`;

/**
 * One JSONL file, a column per oracle case; a shorter numeric case leaves its key out of the later
 * lines (missing values, which the numeric statistics drop). The categorical cases go in files of
 * their own, as a missing category would count as MISSING.
 */
function writeColumns(file: string, side: 'reference' | 'current', kind: 'numeric' | 'categorical'): string {
  const columns: Array<[string, unknown[]]> =
    kind === 'numeric'
      ? oracle.numeric.map((c, i): [string, unknown[]] => [column(i), c[side]])
      : categorical.map((c, i): [string, unknown[]] => [
          categoryColumn(i),
          Object.entries(c[side]).flatMap(([k, n]) => Array(n).fill(k)),
        ]);
  const rows = Math.max(...columns.map(([, values]) => values.length));
  const lines = Array.from({ length: rows }, (_, r) =>
    JSON.stringify(
      Object.fromEntries(columns.filter(([, v]) => r < v.length).map(([name, v]) => [name, v[r]])),
    ),
  );
  const path = join(dir, file);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

const close = (got: number | null, want: number | null, tolerance: number, what: string) => {
  if (want === null) expect(got, what).toBeNull();
  else expect(Math.abs((got as number) - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(tolerance);
};

describe('sluice drift profile and report --json', () => {
  it("give scipy's answers for the committed fixtures, within the library's tolerances", async () => {
    const reference = writeColumns('reference.jsonl', 'reference', 'numeric');
    const current = writeColumns('current.jsonl', 'current', 'numeric');
    const profile = join(dir, 'profile.json');
    const made = await runCliToExit(['drift', 'profile', '--input', reference, '--out', profile]);
    expect(made.code, made.output).toBe(0);
    expect(made.output).toContain(`wrote ${profile}`);
    expect(made.output).toContain(`${column(0)} (numeric)`);

    for (const method of ['exact', 'asymp'] as const) {
      const run = await runCliToExit([
        'drift',
        'report',
        '--profile',
        profile,
        '--input',
        current,
        '--ks-method',
        method,
        '--json',
      ]);
      expect(run.code, run.output).toBe(0);
      const report = JSON.parse(run.output) as { columns: Record<string, Record<string, number | null>> };
      oracle.numeric.forEach((c, i) => {
        const got = report.columns[column(i)]!;
        const what = `${c.name} (${method})`;
        close(got.ks_statistic!, c.ks_statistic, 1e-12, `${what} ks_statistic`);
        close(
          got.ks_pvalue!,
          method === 'exact' ? c.ks_pvalue_exact : c.ks_pvalue_asymp,
          1e-6,
          `${what} ks_pvalue`,
        );
        close(got.psi!, c.psi, 1e-12, `${what} psi`);
        close(got.wasserstein_normed!, c.wasserstein_normed, 1e-9, `${what} wasserstein_normed`);
        close(got.js_distance!, c.js_distance, 1e-9, `${what} js_distance`);
        expect(got.ks_method).toBe(method);
      });
    }
    const categoryReference = writeColumns('reference-categories.jsonl', 'reference', 'categorical');
    const categoryCurrent = writeColumns('current-categories.jsonl', 'current', 'categorical');
    const categoryProfile = join(dir, 'profile-categories.json');
    const names = categorical.map((_, i) => categoryColumn(i)).join(',');
    const madeCategories = await runCliToExit([
      'drift',
      'profile',
      '--input',
      categoryReference,
      '--out',
      categoryProfile,
      '--categorical',
      names,
    ]);
    expect(madeCategories.code, madeCategories.output).toBe(0);
    const run = await runCliToExit([
      'drift',
      'report',
      '--profile',
      categoryProfile,
      '--input',
      categoryCurrent,
      '--json',
    ]);
    expect(run.code, run.output).toBe(0);
    const report = JSON.parse(run.output) as { columns: Record<string, Record<string, number | null>> };
    categorical.forEach((c, i) => {
      const got = report.columns[categoryColumn(i)]!;
      close(got.chi2_statistic!, c.chi2_statistic, 1e-9, `${c.name} chi2_statistic`);
      close(got.chi2_pvalue!, c.chi2_pvalue, 1e-9, `${c.name} chi2_pvalue`);
      close(got.linf!, c.linf, 1e-12, `${c.name} linf`);
      expect(got.unseen).toBe(c.unseen);
    });
  }, 60_000);
});
