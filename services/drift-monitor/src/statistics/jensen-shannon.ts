import { assertSameLength, assertUsableCounts } from './input-checks.js';

/** SciPy's rel_entr(x, y): x log(x/y), 0 when x = 0, and +Infinity when only y is 0. */
function relativeEntropyTerm(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Number.POSITIVE_INFINITY;
}

/**
 * Jensen-Shannon DISTANCE, in base 2 (so it lies in [0, 1]), between two histograms over the same
 * bins, as `scipy.spatial.distance.jensenshannon(p, q, base=2)`:
 * p and q are first divided by their sums (raw counts are fine), m = (p + q) / 2, and the result is
 * sqrt((sum rel_entr(p, m) + sum rel_entr(q, m)) / ln 2 / 2). A bin empty on one side contributes
 * 0 there (0 log 0 = 0) and nothing is smoothed, so disjoint histograms give exactly 1.
 * One deliberate difference: rounding can leave the divergence at -1e-17 for near-identical inputs,
 * where SciPy returns NaN from the square root; this returns 0.
 * Throws TW_DRIFT_LENGTH_MISMATCH, TW_DRIFT_EMPTY_SAMPLE (no bins / all zero),
 * TW_DRIFT_NEGATIVE_COUNT or TW_DRIFT_NON_FINITE_VALUE.
 */
export function jensenShannonDistance(reference: readonly number[], current: readonly number[]): number {
  assertSameLength(reference, current, 'Jensen-Shannon distance');
  assertUsableCounts(reference, 'reference histogram');
  assertUsableCounts(current, 'current histogram');
  const pSum = reference.reduce((s, v) => s + v, 0);
  const qSum = current.reduce((s, v) => s + v, 0);
  let left = 0;
  let right = 0;
  reference.forEach((pRaw, i) => {
    const p = pRaw / pSum;
    const q = (current[i] ?? 0) / qSum;
    const m = (p + q) / 2;
    left += relativeEntropyTerm(p, m);
    right += relativeEntropyTerm(q, m);
  });
  const divergence = (left + right) / Math.LN2;
  return Math.sqrt(Math.max(divergence / 2, 0));
}
