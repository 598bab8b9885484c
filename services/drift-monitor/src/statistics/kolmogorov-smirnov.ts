import { assertUsableSample } from './input-checks.js';
import { kolmogorovSf } from './kolmogorov-distribution.js';
import { probOutsideBand, probOutsideSquare } from './kolmogorov-smirnov-exact.js';
import { countAtMost } from './sorted-search.js';

/** How the p-value is computed: SciPy's `method` argument of `ks_2samp`. */
export type KsMethod = 'auto' | 'exact' | 'asymp';

export interface KsTestResult {
  /** D = sup_x |F_reference(x) - F_current(x)|, between 0 (same ECDFs) and 1 (disjoint samples). */
  readonly statistic: number;
  /** Two-sided p-value under H0 "both samples come from the same continuous distribution". */
  readonly pValue: number;
  /** The method actually used ('auto' resolved, and 'exact' falls back to 'asymp' like SciPy). */
  readonly method: 'exact' | 'asymp';
  /** The pooled value at which the ECDFs are furthest apart (SciPy's `statistic_location`). */
  readonly statisticLocation: number;
  /** +1 when F_reference exceeds F_current there, -1 otherwise (SciPy's `statistic_sign`). */
  readonly statisticSign: 1 | -1;
}

/** SciPy's MAX_AUTO_N: 'auto' is exact when both samples have at most this many values. */
export const ksMaxAutoExactSize = 10_000;

const int32Max = 2 ** 31 - 1;

function gcd(a: number, b: number): number {
  let x = a;
  let y = b;
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** numpy's round(): halves go to the even neighbour (en = m*n/(m+n) is often k + 0.5). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `_attempt_exact_2kssamp`: the exact p-value, or undefined when it is not representable in doubles. */
function exactPValue(n1: number, n2: number, g: number, d: number): { d: number; p: number | undefined } {
  const lcm = (n1 / g) * n2;
  const h = roundHalfEven(d * lcm);
  const dOnGrid = h / lcm;
  if (h === 0) return { d: dOnGrid, p: 1 };
  const p = n1 === n2 ? probOutsideSquare(n1, h) : probOutsideBand(n1, n2, g, h);
  return { d: dOnGrid, p: Number.isFinite(p) && p >= 0 && p <= 1 ? p : undefined };
}

/**
 * Two-sample Kolmogorov-Smirnov test, two-sided, exactly as
 * `scipy.stats.ks_2samp(reference, current, alternative='two-sided', method=method)` in SciPy 1.10:
 * - D is computed on the pooled values with ECDFs counted as "values <= x", so ties are handled as
 *   SciPy does; the location/sign follow numpy's first argmax/argmin over [sorted ref, sorted cur].
 * - 'exact' counts lattice paths (equal sizes: closed-form ratio of binomials; otherwise Hodges'
 *   inside method with Viehmann's recursion); D is then snapped to the grid h/lcm(n1, n2). It falls
 *   back to 'asymp' when lcm is too large for int32 or the count leaves the double range.
 * - 'asymp' uses the one-sample Kolmogorov distribution `kstwo.sf(D, round(en))`, en = n1*n2/(n1+n2)
 *   (round half to even). With n1 = n2 = 1, en rounds to 0 and SciPy (and this) returns NaN.
 * - 'auto' is 'exact' when max(n1, n2) <= 10000, else 'asymp'.
 * Throws TW_DRIFT_EMPTY_SAMPLE for an empty sample and TW_DRIFT_NON_FINITE_VALUE for NaN/Infinity.
 */
export function kolmogorovSmirnovTest(reference: readonly number[], current: readonly number[], method: KsMethod = 'auto'): KsTestResult {
  assertUsableSample(reference, 'reference');
  assertUsableSample(current, 'current');
  const a = [...reference].sort((x, y) => x - y);
  const b = [...current].sort((x, y) => x - y);
  const n1 = a.length;
  const n2 = b.length;

  let maxDiff = -Infinity;
  let minDiff = Infinity;
  let maxAt = 0;
  let minAt = 0;
  for (const x of [...a, ...b]) {
    const diff = countAtMost(a, x) / n1 - countAtMost(b, x) / n2;
    if (diff > maxDiff) [maxDiff, maxAt] = [diff, x];
    if (diff < minDiff) [minDiff, minAt] = [diff, x];
  }
  const minS = Math.min(Math.max(-minDiff, 0), 1);
  const useMin = minS > maxDiff;
  let d = useMin ? minS : maxDiff;
  const statisticLocation = useMin ? minAt : maxAt;
  const statisticSign = useMin ? -1 : 1;

  const g = gcd(n1, n2);
  let mode: 'exact' | 'asymp';
  if (method === 'auto') mode = Math.max(n1, n2) <= ksMaxAutoExactSize ? 'exact' : 'asymp';
  else if (method === 'exact') mode = n1 / g >= int32Max / (n2 / g) ? 'asymp' : 'exact';
  else mode = 'asymp';

  let pValue = Number.NaN;
  if (mode === 'exact') {
    const exact = exactPValue(n1, n2, g, d);
    d = exact.d;
    if (exact.p === undefined) mode = 'asymp';
    else pValue = exact.p;
  }
  if (mode === 'asymp') {
    const en = (Math.max(n1, n2) * Math.min(n1, n2)) / (n1 + n2);
    const n = roundHalfEven(en);
    // kstwo's support is (0.5/n, 1): sf is 1 at or below it and 0 at or above 1.
    pValue = n >= 1 ? (d <= 0.5 / n ? 1 : kolmogorovSf(n, d)) : Number.NaN;
  }
  if (!Number.isNaN(pValue)) pValue = Math.min(Math.max(pValue, 0), 1);
  return { statistic: d, pValue, method: mode, statisticLocation, statisticSign };
}
