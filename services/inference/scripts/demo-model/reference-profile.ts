import { referenceBinIndex } from '@tidewater/model-manifest';

/** Rounds to `digits` significant digits, so the manifest stays readable and diffs stay small. */
export function roundSig(x: number, digits = 6): number {
  return x === 0 ? 0 : Number(x.toPrecision(digits));
}

/** The value at quantile q of sorted values, taking an actual value (no interpolation) so discrete features keep clean edges. */
export function lowerQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

/** Quantile bins (about `bins` of them; fewer where values repeat), shares, and moments of one column. */
export function binnedProfile(values: readonly number[], bins = 10) {
  const sorted = [...values].sort((a, b) => a - b);
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  const edges: number[] = [];
  for (let k = 1; k < bins; k++) {
    const edge = roundSig(lowerQuantile(sorted, k / bins));
    // An edge at or above the max would only open an always-empty last bin.
    if (edge < max && (edges.length === 0 || edge > (edges[edges.length - 1] as number))) edges.push(edge);
  }
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    const bin = referenceBinIndex(edges, v);
    counts[bin] = (counts[bin] as number) + 1;
  }
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const variance = values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length;
  return {
    binEdges: edges,
    shares: counts.map((c) => roundSig(c / values.length)),
    mean: roundSig(mean),
    std: roundSig(Math.sqrt(variance)),
    min: roundSig(min),
    max: roundSig(max),
  };
}
