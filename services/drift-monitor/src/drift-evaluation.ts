import type { ModelManifest } from '@tidewater/model-manifest';
import type { DriftReport, FeatureDrift } from '@tidewater/schemas';
import { pValueTests, type FeatureTest } from './drift-tests.js';
import { populationStabilityIndex } from './statistics/population-stability.js';
import { chiSquareTest } from './statistics/chi-square.js';
import { driftErrors } from './errors.js';
import { jensenShannonDistance } from './statistics/jensen-shannon.js';
import { kolmogorovSmirnovTest } from './statistics/kolmogorov-smirnov.js';
import { benjaminiHochbergAdjust, bonferroniAdjust } from './statistics/multiple-testing.js';
import { normalizedWasserstein } from './statistics/wasserstein.js';
import type { WindowState } from './window-accumulator.js';

export type Correction = 'bh' | 'bonferroni' | 'none';

/** How a window is judged as a whole. */
export interface DecisionRule {
  /** Applied across every p-value test of the window (features and score). */
  readonly correction: Correction;
  /** The model drifts when at least this share of the features that had data drifted (Evidently's drift_share, 0.5). */
  readonly driftShare: number;
  /** Whether a drifted score alone makes the model drifted. */
  readonly scoreDecides: boolean;
  /**
   * Windows with fewer events are reported but not judged (every verdict false), and do not move
   * alert streaks: on a few dozen values PSI is large by chance alone (about (bins - 1) / n). 0 by default.
   */
  readonly minEvents?: number;
}

/** Whether a window has enough events to be judged at all. */
export function judgeable(w: Pick<WindowState, 'n'>, rule: DecisionRule): boolean {
  return w.n > 0 && w.n >= (rule.minEvents ?? 0);
}

const OVERFLOW = '__other__';
const MAX_UNSEEN_LISTED = 20;

interface Judged {
  row: Omit<FeatureDrift, 'drifted' | 'p_value_adjusted'>;
  test: FeatureTest;
}

// resolveFeatureTests has already refused chisquare on numbers and ks/wasserstein without a sample.
function distanceOrPValue(
  test: FeatureTest,
  ref: { shares: number[]; sample?: number[] },
  counts: number[],
  sample: number[],
): { value: number; p: number | null } {
  switch (test.test) {
    case 'psi':
      return { value: populationStabilityIndex(ref.shares, counts), p: null };
    case 'jensenshannon':
      return { value: jensenShannonDistance(ref.shares, counts), p: null };
    case 'wasserstein':
      return { value: normalizedWasserstein(ref.sample ?? [], sample), p: null };
    case 'ks': {
      const r = kolmogorovSmirnovTest(ref.sample ?? [], sample);
      return { value: r.statistic, p: r.pValue };
    }
    case 'chisquare':
      throw driftErrors.create('TW_DRIFT_CONFIG_INVALID', 'chisquare does not apply to a numeric feature');
  }
}

function numericRow(
  name: string,
  kind: 'numeric' | 'score',
  test: FeatureTest,
  ref: { shares: number[]; sample?: number[] },
  s: {
    counts: number[];
    sample: number[];
    seen: number;
  },
  events: number,
  missing: number,
  outOfRange: number,
): Judged {
  const { value, p } = s.seen > 0 ? distanceOrPValue(test, ref, s.counts, s.sample) : { value: 0, p: null };
  return {
    test,
    row: {
      feature: name,
      kind,
      statistic: test.test,
      value,
      threshold: test.threshold,
      p_value: p,
      sample_size: s.seen,
      missing_rate: events > 0 ? missing / events : 0,
      out_of_range_rate: s.seen > 0 ? outOfRange / s.seen : 0,
      unseen_categories: [],
    },
  };
}

function categoricalRow(
  name: string,
  test: FeatureTest,
  ref: { frequencies: Record<string, number>; missingShare: number },
  rows: number,
  s: WindowState['categorical'][string],
  events: number,
): Judged & { unseen: number } {
  // Own properties only: categories are free strings, and "constructor" must not read Object.prototype.
  const count = (k: string): number => (Object.hasOwn(s.counts, k) ? (s.counts[k] as number) : 0);
  const known = Object.keys(ref.frequencies);
  const unseenNames = Object.keys(s.counts)
    .filter((k) => !Object.hasOwn(ref.frequencies, k))
    .sort();
  // Columns: reference categories in reference order, then unseen ones, then the overflow pool,
  // by position (a category literally called "__other__" stays its own column).
  const pooled = s.overflow > 0 ? [s.overflow] : [];
  const current = [...known.map(count), ...unseenNames.map(count), ...pooled];
  const referenceShares = [...known.map((k) => ref.frequencies[k] as number), ...unseenNames.map(() => 0), ...pooled.map(() => 0)];
  const seen = current.reduce((a, b) => a + b, 0);
  const unseen = unseenNames.reduce((a, k) => a + count(k), 0) + s.overflow;
  let value = 0;
  let p: number | null = null;
  if (seen > 0) {
    if (test.test === 'chisquare') {
      // The reference row as counts: frequencies are shares of the training rows that had a value,
      // so the table SciPy's chi2_contingency would see for the training data has
      // rows x (1 - missingShare) values in it.
      const withValue = rows * (1 - ref.missingShare);
      const r = chiSquareTest(
        referenceShares.map((share) => Math.round(share * withValue)),
        current,
      );
      value = r.statistic;
      p = r.pValue;
    } else {
      value = jensenShannonDistance(referenceShares, current);
    }
  }
  return {
    test,
    unseen,
    row: {
      feature: name,
      kind: 'categorical',
      statistic: test.test,
      value,
      threshold: test.threshold,
      p_value: p,
      sample_size: seen,
      missing_rate: events > 0 ? s.missing / events : 0,
      out_of_range_rate: 0,
      unseen_categories: [
        ...unseenNames.slice(0, MAX_UNSEEN_LISTED),
        ...(s.overflow > 0 && unseenNames.length < MAX_UNSEEN_LISTED ? [OVERFLOW] : []),
      ],
    },
  };
}

function adjust(pValues: number[], correction: Correction): number[] {
  if (correction === 'bh') return benjaminiHochbergAdjust(pValues);
  if (correction === 'bonferroni') return bonferroniAdjust(pValues);
  return pValues;
}

/**
 * Judges a closed window against the manifest's reference profile: one row per numeric input,
 * categorical feature and the score; p-values corrected together; data-quality figures; the
 * model-level verdict (score drifted, or at least `driftShare` of the features with data drifted).
 */
export function evaluateWindow(
  w: WindowState,
  manifest: ModelManifest,
  tests: ReadonlyMap<string, FeatureTest>,
  rule: DecisionRule,
  meta: { reportId: string; windowKind: 'count' | 'time' | 'sliding'; lateEvents: number },
): DriftReport {
  const profile = manifest.referenceProfile;
  const judged: Judged[] = [];
  let numericSeen = 0;
  let outOfRange = 0;
  let missing = 0;
  let expected = 0;
  for (const [name, s] of Object.entries(w.numeric)) {
    const p = profile.features[name];
    if (!p) continue;
    judged.push(numericRow(name, 'numeric', tests.get(name)!, p, s, w.n, s.missing, s.outOfRange));
    numericSeen += s.seen;
    outOfRange += s.outOfRange;
    missing += s.missing;
    expected += w.n;
  }
  let categoricalSeen = 0;
  let unseen = 0;
  for (const [name, s] of Object.entries(w.categorical)) {
    const p = profile.categorical?.[name];
    if (!p) continue;
    const j = categoricalRow(name, tests.get(name)!, p, profile.rows, s, w.n);
    judged.push(j);
    categoricalSeen += j.row.sample_size;
    unseen += j.unseen;
    missing += s.missing;
    expected += w.n;
  }
  judged.push(numericRow('score', 'score', tests.get('score')!, profile.score, w.score, w.n, 0, 0));

  const withP = judged.filter((j) => pValueTests.has(j.test.test) && j.row.p_value !== null);
  const adjusted = adjust(
    withP.map((j) => j.row.p_value as number),
    rule.correction,
  );
  const adjustedOf = new Map(withP.map((j, i) => [j, adjusted[i] as number]));
  const judging = judgeable(w, rule);
  const features: FeatureDrift[] = judged.map((j) => {
    const pAdj = adjustedOf.get(j) ?? null;
    const drifted =
      judging &&
      j.row.sample_size > 0 &&
      (pValueTests.has(j.test.test) ? pAdj !== null && pAdj < j.test.threshold : j.row.value >= j.test.threshold);
    return { ...j.row, p_value_adjusted: pAdj, drifted };
  });

  const inputs = features.filter((f) => f.kind !== 'score' && f.sample_size > 0);
  const driftedInputs = inputs.filter((f) => f.drifted);
  const share = inputs.length > 0 ? driftedInputs.length / inputs.length : 0;
  const scoreDrifted = features.some((f) => f.kind === 'score' && f.drifted);
  const positiveRate = w.n > 0 ? w.score.positives / w.n : 0;
  return {
    report_id: meta.reportId,
    model_name: manifest.name,
    model_version: manifest.version,
    window_start: w.start,
    window_end: w.end,
    sample_size: w.n,
    features,
    score_mean: w.n > 0 ? w.score.sum / w.n : 0,
    positive_rate: positiveRate,
    missing_rate: expected > 0 ? missing / expected : 0,
    drifted: (rule.scoreDecides && scoreDrifted) || (driftedInputs.length > 0 && share >= rule.driftShare),
    window_kind: meta.windowKind,
    correction: rule.correction,
    drift_share: share,
    drifted_features: features.filter((f) => f.drifted).map((f) => f.feature),
    out_of_range_rate: numericSeen > 0 ? outOfRange / numericSeen : 0,
    unseen_category_rate: categoricalSeen > 0 ? unseen / categoricalSeen : 0,
    reference_positive_rate: profile.positiveRate,
    positive_rate_change: w.n > 0 ? positiveRate - profile.positiveRate : 0,
    freshness_mean_ms: w.n > 0 ? w.freshnessSumMs / w.n : 0,
    freshness_max_ms: w.freshnessMaxMs,
    dead_letters: w.deadLetters,
    schema_violation_rate: w.deadLetters + w.n > 0 ? w.deadLetters / (w.deadLetters + w.n) : 0,
    late_events: meta.lateEvents,
  };
}
