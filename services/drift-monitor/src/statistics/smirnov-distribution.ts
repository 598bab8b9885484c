/**
 * The one-sided Kolmogorov-Smirnov (Smirnov) distribution, needed by the two-sided one where
 * SciPy falls back to 2 * smirnov(n, d).
 */

/** exp() of anything below this is 0 in double precision (cephes MINLOG). */
const minLog = -708.3964185322641;

/**
 * Pr(D+_n >= d), the survival function of the one-sided one-sample KS statistic, matching
 * `scipy.special.smirnov(n, d)` (cephes kolmogorov.c, SciPy 1.10): the same special cases
 * (d <= 1/n, d >= 1 - 1/n, sf underflow, n > 1e6 approximation) and otherwise the
 * Birnbaum-Tingey sum  d * sum_{v=0}^{floor(n(1-d))} C(n,v) (d+v/n)^(v-1) (1-d-v/n)^(n-v).
 * SciPy evaluates the sum in double-double arithmetic; here every term is evaluated in log space
 * in double precision, which agrees to about 1e-12 relative (all terms are positive, no cancellation).
 */
export function smirnovSf(n: number, d: number): number {
  if (!(n > 0 && d >= 0 && d <= 1)) return Number.NaN;
  if (n === 1) return 1 - d;
  if (d === 0) return 1;
  if (d === 1) return 0;
  const nx = n * d;
  const nxFloor = Math.floor(nx);
  const alpha = nx - nxFloor;
  if (nxFloor === 0 || (nxFloor === 1 && alpha === 0)) {
    // Pr(D+ < d) = d (1+d)^(n-1) for d <= 1/n.
    return clip01(1 - d * Math.pow(1 + d, n - 1));
  }
  if (-2 * n * d * d < minLog) return 0;
  if (nxFloor >= n - 1) return clip01(Math.pow(1 - d, n));
  if (n > 1_000_000) {
    const logp = -Math.pow(6 * n * d + 1, 2) / 18 / n;
    return clip01(logp < -Math.LN2 ? Math.exp(logp) : 1 + Math.expm1(logp));
  }
  const lastV = Math.floor(n * (1 - d));
  let logBinomial = 0; // log C(n, v), updated term by term
  let sum = 0;
  for (let v = 0; v <= lastV; v++) {
    const low = d + v / n;
    const high = 1 - low;
    if (high > 0) {
      const logTerm = logBinomial + (v - 1) * Math.log(low) + (n - v) * Math.log1p(-low);
      sum += Math.exp(logTerm);
    }
    logBinomial += Math.log((n - v) / (v + 1));
  }
  return clip01(d * sum);
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
