/**
 * The exact null distribution of the two-sample KS statistic, as SciPy 1.10 computes it
 * (`_compute_prob_outside_square` in scipy/stats/_stats_py.py and
 * `_compute_outer_prob_inside_method` in scipy/stats/_stats_pythran.py).
 */

/**
 * Pr(D_{n,n} >= h/n) for equal sample sizes: 2 * (C(2n, n-h) - C(2n, n-2h) + ...) / C(2n, n),
 * evaluated Horner-style on ratios of binomials to avoid cancellation.
 */
export function probOutsideSquare(n: number, h: number): number {
  let P = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    P = p1 * (1 - P);
    k -= 1;
  }
  return 2 * P;
}

/**
 * Pr(D_{m,n} >= h/lcm(m,n)) for unequal sizes: the share of lattice paths from (0,0) to (m,n)
 * that leave the band |x/m - y/n| < h/lcm, by Hodges' inside method with Viehmann's recursion
 * for 1 - p (numerically stable for small p-values). `g` is gcd(m, n).
 */
export function probOutsideBand(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = ((A[jj + minj - lastminj] ?? Number.NaN) * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1] ?? Number.NaN;
}
