import { assertUsableSample } from './input-checks.js';
import { countAtMost } from './sorted-search.js';

/**
 * First Wasserstein (earth mover's) distance between two 1-D samples with equal weights, as
 * `scipy.stats.wasserstein_distance(reference, current)`: the area between the two empirical
 * CDFs, sum over consecutive pooled values of |F_ref - F_cur| * (x_{i+1} - x_i). It is in the
 * units of the feature ("how far, on average, values had to move").
 * Throws TW_DRIFT_EMPTY_SAMPLE or TW_DRIFT_NON_FINITE_VALUE.
 */
export function wassersteinDistance(reference: readonly number[], current: readonly number[]): number {
  assertUsableSample(reference, 'reference');
  assertUsableSample(current, 'current');
  const u = [...reference].sort((x, y) => x - y);
  const v = [...current].sort((x, y) => x - y);
  const all = [...u, ...v].sort((x, y) => x - y);
  let sum = 0;
  for (let i = 0; i < all.length - 1; i++) {
    const x = all[i] ?? 0;
    const delta = (all[i + 1] ?? 0) - x;
    sum += Math.abs(countAtMost(u, x) / u.length - countAtMost(v, x) / v.length) * delta;
  }
  return sum;
}

/** Population standard deviation (ddof = 0, numpy's default `np.std`), two-pass for accuracy. */
export function populationStd(values: readonly number[]): number {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sumSquares = values.reduce((s, v) => s + (v - mean) ** 2, 0);
  return Math.sqrt(sumSquares / values.length);
}

/**
 * Wasserstein distance divided by the reference sample's population standard deviation (ddof = 0),
 * i.e. `wasserstein_distance(ref, cur) / np.std(ref)`: drift in units of "reference spreads", so one
 * threshold can serve features of any scale. When the reference is constant (std 0) it returns 0 if
 * the distance is 0 too, and +Infinity otherwise (any movement away from a constant is unbounded drift).
 * Throws like `wassersteinDistance`.
 */
export function normalizedWasserstein(reference: readonly number[], current: readonly number[]): number {
  const distance = wassersteinDistance(reference, current);
  const std = populationStd(reference);
  if (std === 0) return distance === 0 ? 0 : Number.POSITIVE_INFINITY;
  return distance / std;
}
