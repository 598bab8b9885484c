import { driftErrors } from '../errors.js';

function assertPValues(pValues: readonly number[]): void {
  pValues.forEach((p, index) => {
    if (Number.isNaN(p) || !Number.isFinite(p)) {
      throw driftErrors.create('TW_DRIFT_NON_FINITE_VALUE', `p-value at index ${index} is not finite`, { details: { index } });
    }
    if (p < 0 || p > 1) {
      throw driftErrors.create('TW_DRIFT_INVALID_P_VALUE', `p-value ${p} at index ${index} is outside [0, 1]`, {
        details: { index },
      });
    }
  });
}

/**
 * Bonferroni-adjusted p-values, min(m * p_i, 1) with m the number of tests, in input order — the
 * `pvals_corrected` of statsmodels' `multipletests(p, method='bonferroni')`. Controls the chance of
 * ANY false drift alarm across the m features. An empty list gives an empty list.
 * Throws TW_DRIFT_INVALID_P_VALUE or TW_DRIFT_NON_FINITE_VALUE.
 */
export function bonferroniAdjust(pValues: readonly number[]): number[] {
  assertPValues(pValues);
  const m = pValues.length;
  return pValues.map((p) => Math.min(p * m, 1));
}

/**
 * Benjamini-Hochberg adjusted p-values (false discovery rate), in input order — the
 * `pvals_corrected` of statsmodels' `multipletests(p, method='fdr_bh')`: with p_(1) <= ... <= p_(m)
 * sorted ascending, adjusted p_(i) = min_{j >= i} (m / j) p_(j), capped at 1. Comparing these to q
 * flags features so that on average at most a share q of the flagged ones are false alarms.
 * Ties keep a stable order (like statsmodels' mergesort), which does not change the values.
 * Throws TW_DRIFT_INVALID_P_VALUE or TW_DRIFT_NON_FINITE_VALUE.
 */
export function benjaminiHochbergAdjust(pValues: readonly number[]): number[] {
  assertPValues(pValues);
  const m = pValues.length;
  const order = pValues.map((_, i) => i).sort((i, j) => (pValues[i] ?? 0) - (pValues[j] ?? 0) || i - j);
  const adjusted = new Array<number>(m);
  let running = Number.POSITIVE_INFINITY;
  for (let rank = m; rank >= 1; rank--) {
    const index = order[rank - 1] ?? 0;
    running = Math.min(running, ((pValues[index] ?? 0) * m) / rank);
    adjusted[index] = Math.min(running, 1);
  }
  return adjusted;
}
