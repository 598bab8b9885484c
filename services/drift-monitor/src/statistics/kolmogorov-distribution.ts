import { kolmogorovCdfDurbin, kolmogorovCdfPomeranz } from './kolmogorov-exact-methods.js';
import { smirnovSf } from './smirnov-distribution.js';

const logTwoPi = Math.log(2 * Math.PI);
const sqrtTwoPi = Math.sqrt(2 * Math.PI);
const minLog = -708;
const piSquared = Math.PI ** 2;
const piFour = Math.PI ** 4;
const piSix = Math.PI ** 6;

// Stirling coefficients B_{2j}/(2j)/(2j-1), j = 8..1, as in SciPy's _ksstats.py.
const stirlingCoefficients = [
  -0.029550653594771242, 6.41025641025641e-3, -1.9175269175269176e-3, 8.417508417508417e-4, -5.952380952380953e-4, 7.936507936507937e-4,
  -2.777777777777778e-3, 0.08333333333333333,
];

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}

/** log(n!/n^n) by Stirling's series with n log n removed up front (no cancellation). */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  const y = rn / n;
  let poly = 0;
  for (const c of stirlingCoefficients) poly = poly * y + c;
  return Math.log(n) / 2 - n + logTwoPi / 2 + rn * poly;
}

/** Pelz-Good asymptotic series for Pr(D_n <= x) (`_kolmogn_PelzGood`), used for large n and small x. */
function kolmogorovCdfPelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const z = Math.sqrt(n) * x;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const qlog = -piSquared / 8 / z2;
  if (qlog < minLog) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = piSquared / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * piSquared) / 4;
  const k2c = (piFour * (1 - 2 * z2)) / 16;
  const k3d = (piSix * (5 - 30 * z2)) / 64;
  const k3c = (piFour * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (piSquared * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2;
    const m4 = m ** 4;
    const m6 = m ** 6;
    const qpower = q ** (8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = (K[i] ?? 0) * qpower + (coeffs[i] ?? 0);
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = ((K[i] ?? 0) * q * sqrtTwoPi) / (divisors[i] ?? 1);

  q = Math.exp(-piSquared / 2 / z2);
  const sqrt3z = Math.sqrt(3) * z;
  let k2extra = 0;
  let k3extra = 0;
  for (let k = maxk; k > 0; k--) {
    const k2 = k ** 2;
    const qpw = q ** k2;
    k2extra += k2 * qpw;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qpw;
  }
  K[2] = (K[2] ?? 0) + (k2extra * piSquared * sqrtTwoPi) / (-36 * z3);
  K[3] = (K[3] ?? 0) + (k3extra * piSquared * sqrtTwoPi) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += (K[i] ?? 0) / Math.pow(n, i / 2);
  return sum;
}

/**
 * Pr(D_n >= d) for the two-sided one-sample Kolmogorov-Smirnov statistic D_n: the survival
 * function `scipy.stats.kstwo.sf(d, n)` of SciPy 1.10 (`_kolmogn(n, d, cdf=False)` in
 * scipy/stats/_ksstats.py), with the same algorithm choice (Simard & L'Ecuyer 2011): Ruben-Gambino
 * closed forms at the ends, Durbin's matrix method, Pomeranz's recursion, Pelz-Good, and
 * 2 * smirnov(n, d) in the upper tail. Returns NaN when n is not a positive integer, as SciPy does.
 */
export function kolmogorovSf(n: number, d: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(d)) return Number.NaN;
  if (d >= 1) return 0;
  if (d <= 0) return 1;
  const t = n * d;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let cdf: number;
    if (n <= 140) {
      cdf = 1;
      for (let i = 1; i <= n; i++) cdf *= i * (1 / n) * (2 * t - 1);
    } else {
      cdf = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    }
    return clip01(1 - cdf);
  }
  if (t >= n - 1) return clip01(2 * (1 - d) ** n);
  if (d >= 0.5) return clip01(2 * smirnovSf(n, d));
  const nxSquared = t * d;
  if (n <= 140) {
    if (nxSquared <= 0.754693) return clip01(1 - clip01(kolmogorovCdfDurbin(n, d)));
    if (nxSquared <= 4) return clip01(1 - clip01(kolmogorovCdfPomeranz(n, d)));
    return clip01(2 * smirnovSf(n, d));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clip01(2 * smirnovSf(n, d));
  let cdf: number;
  if (nxSquared >= 18) cdf = 1;
  else if (n <= 100000 && n * d ** 1.5 <= 1.4) cdf = clip01(kolmogorovCdfDurbin(n, d));
  else cdf = kolmogorovCdfPelzGood(n, d);
  return clip01(1 - cdf);
}
