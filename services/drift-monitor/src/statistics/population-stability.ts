/**
 * Empty bins would make PSI infinite (ln 0), so each share (observed and reference) is floored at
 * this epsilon before the sum: an empty bin contributes a large but finite term (an empty decile,
 * reference share 0.1, adds about 0.1 x ln(0.1 / 0.0001) = 0.69). Evidently uses the same 0.0001
 * but replaces only shares that are exactly 0; the two agree unless a share lies strictly between
 * 0 and 0.0001 (e.g. 1 value in 20,000).
 */
export const psiEpsilon = 1e-4;

/**
 * Population Stability Index of observed bin counts against reference shares:
 * PSI = sum_i (a_i - e_i) * ln(a_i / e_i), with a_i the observed share and e_i the reference share.
 */
export function populationStabilityIndex(referenceShares: readonly number[], observedCounts: readonly number[]): number {
  const total = observedCounts.reduce((a, b) => a + b, 0);
  if (total === 0) return 0;
  let psi = 0;
  referenceShares.forEach((e0, i) => {
    const e = Math.max(e0, psiEpsilon);
    const a = Math.max((observedCounts[i] ?? 0) / total, psiEpsilon);
    psi += (a - e) * Math.log(a / e);
  });
  return psi;
}
