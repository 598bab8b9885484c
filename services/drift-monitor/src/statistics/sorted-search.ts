/** Number of values in sorted `a` that are <= x (numpy `searchsorted(a, x, side='right')`). */
export function countAtMost(a: readonly number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] ?? 0) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
