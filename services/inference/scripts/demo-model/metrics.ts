/**
 * Area under the ROC curve by the rank-sum (Mann-Whitney U) formula, exact, with tied scores
 * given their average rank: (sum of positive ranks - P(P+1)/2) / (P * N).
 */
export function rocAuc(scores: readonly number[], labels: readonly number[]): number {
  const order = scores.map((_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positiveRankSum = 0;
  let positives = 0;
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && scores[order[end + 1] as number] === scores[order[start] as number]) end++;
    const averageRank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) {
      if (labels[order[k] as number] === 1) {
        positiveRankSum += averageRank;
        positives++;
      }
    }
    start = end + 1;
  }
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) throw new Error('AUC needs both classes');
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean binary cross-entropy, with probabilities clipped away from 0 and 1. */
export function logLoss(scores: readonly number[], labels: readonly number[]): number {
  const eps = 1e-15;
  let total = 0;
  scores.forEach((s, i) => {
    const p = Math.min(1 - eps, Math.max(eps, s));
    total -= labels[i] === 1 ? Math.log(p) : Math.log(1 - p);
  });
  return total / scores.length;
}

/** Precision and recall when scores at or above `threshold` are called positive. */
export function precisionRecall(
  scores: readonly number[],
  labels: readonly number[],
  threshold: number,
): { precision: number; recall: number } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  scores.forEach((s, i) => {
    const positive = labels[i] === 1;
    if (s >= threshold) {
      if (positive) tp++;
      else fp++;
    } else if (positive) fn++;
  });
  return { precision: tp + fp === 0 ? 1 : tp / (tp + fp), recall: tp + fn === 0 ? 1 : tp / (tp + fn) };
}

/** The threshold on a 0.01 grid with the best F1 (the lowest one on ties), with its precision and recall. */
export function bestF1Threshold(
  scores: readonly number[],
  labels: readonly number[],
): { threshold: number; precision: number; recall: number } {
  let best = { threshold: 0.5, precision: 0, recall: 0, f1: -1 };
  for (let step = 1; step < 100; step++) {
    const threshold = step / 100;
    const { precision, recall } = precisionRecall(scores, labels, threshold);
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    if (f1 > best.f1) best = { threshold, precision, recall, f1 };
  }
  return { threshold: best.threshold, precision: best.precision, recall: best.recall };
}
