import { chiSquareSf } from './incomplete-gamma.js';
import { assertSameLength, assertUsableCounts } from './input-checks.js';

export interface ChiSquareResult {
  /** Pearson's X^2 on the 2 x k table (Yates-corrected when dof = 1). */
  readonly statistic: number;
  /** Pr(chi2_dof >= statistic): small means the category mix has changed. */
  readonly pValue: number;
  /** Degrees of freedom: (kept categories - 1); 0 when at most one category is left. */
  readonly dof: number;
  /** Indices of the categories kept (those with a non-zero count in at least one row). */
  readonly keptCategories: readonly number[];
}

/**
 * Chi-square test of independence on the 2 x k contingency table [reference counts; current
 * counts], as `scipy.stats.chi2_contingency(table, correction=True)` (SciPy 1.10):
 * expected = row total * column total / grand total; when dof = 1 (k = 2) Yates' correction moves
 * each observed count towards its expected count by min(0.5, |expected - observed|); X^2 =
 * sum (observed - expected)^2 / expected; p = chi2.sf(X^2, dof). With dof = 0 it returns
 * X^2 = 0, p = 1 like SciPy.
 * Categories with zero count in BOTH rows are dropped first (SciPy would refuse the table because
 * their expected count is 0); a category seen on one side only is kept and counts as drift.
 * Throws TW_DRIFT_LENGTH_MISMATCH, TW_DRIFT_EMPTY_SAMPLE (a row with no counts),
 * TW_DRIFT_NEGATIVE_COUNT or TW_DRIFT_NON_FINITE_VALUE.
 */
export function chiSquareTest(referenceCounts: readonly number[], currentCounts: readonly number[]): ChiSquareResult {
  assertSameLength(referenceCounts, currentCounts, 'chi-square test');
  assertUsableCounts(referenceCounts, 'reference counts');
  assertUsableCounts(currentCounts, 'current counts');
  const keptCategories = referenceCounts.flatMap((r, i) => (r > 0 || (currentCounts[i] ?? 0) > 0 ? [i] : []));
  const rows = [keptCategories.map((i) => referenceCounts[i] ?? 0), keptCategories.map((i) => currentCounts[i] ?? 0)];
  const rowTotals = rows.map((row) => row.reduce((s, v) => s + v, 0));
  const columnTotals = keptCategories.map((_, j) => (rows[0]?.[j] ?? 0) + (rows[1]?.[j] ?? 0));
  const total = (rowTotals[0] ?? 0) + (rowTotals[1] ?? 0);
  const dof = keptCategories.length - 1;
  if (dof === 0) return { statistic: 0, pValue: 1, dof, keptCategories };

  let statistic = 0;
  rows.forEach((row, i) => {
    row.forEach((observed, j) => {
      const expected = ((rowTotals[i] ?? 0) * (columnTotals[j] ?? 0)) / total;
      let o = observed;
      if (dof === 1) {
        const diff = expected - observed;
        o = observed + Math.min(0.5, Math.abs(diff)) * Math.sign(diff);
      }
      statistic += (o - expected) ** 2 / expected;
    });
  });
  return { statistic, pValue: chiSquareSf(statistic, dof), dof, keptCategories };
}
