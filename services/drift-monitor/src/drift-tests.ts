import type { ModelManifest } from '@tidewater/model-manifest';
import { driftErrors } from './errors.js';

/** The statistics a feature (or the score) can be judged by. */
export const driftTestNames = ['psi', 'ks', 'wasserstein', 'jensenshannon', 'chisquare'] as const;
export type DriftTestName = (typeof driftTestNames)[number];

/** Tests that yield a p-value: their threshold is a significance level on the corrected p-value. */
export const pValueTests: ReadonlySet<DriftTestName> = new Set(['ks', 'chisquare']);

/** How one feature is judged: drifted when value >= threshold, or for p-value tests when corrected p < threshold. */
export interface FeatureTest {
  readonly test: DriftTestName;
  readonly threshold: number;
}

/**
 * Defaults. Evidently (DataDriftPreset) picks by reference size: above 1000 rows, normalized
 * Wasserstein >= 0.1 for numeric and Jensen-Shannon >= 0.1 for categorical columns; at most 1000
 * rows, KS p < 0.05 and chi-square p < 0.05. We default numeric inputs and the score to PSI >= 0.2
 * because PSI works on the O(bins) histograms (the whole window, not a sample) and 0.2 is the
 * credit-risk "significant shift" line; categorical features use chi-square at 0.05, corrected for
 * the number of p-value tests in the window.
 */
export const defaultTests = {
  numeric: { test: 'psi', threshold: 0.2 },
  categorical: { test: 'chisquare', threshold: 0.05 },
  score: { test: 'psi', threshold: 0.2 },
} as const satisfies Record<string, FeatureTest>;

const numericTests: ReadonlySet<DriftTestName> = new Set(['psi', 'ks', 'wasserstein', 'jensenshannon']);
const categoricalTests: ReadonlySet<DriftTestName> = new Set(['chisquare', 'jensenshannon']);

/**
 * Parses DRIFT_FEATURE_TESTS: comma-separated `feature=test:threshold` overrides, e.g.
 * `amount=ks:0.01,country=jensenshannon:0.1,score=wasserstein:0.1`. Empty means all defaults.
 * Throws TW_DRIFT_CONFIG_INVALID on a malformed entry or an unknown test.
 */
export function parseFeatureTests(text: string): Map<string, FeatureTest> {
  const out = new Map<string, FeatureTest>();
  for (const entry of text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')) {
    const match = /^([a-z][a-z0-9_]*)=([a-z]+):([0-9.eE+-]+)$/.exec(entry);
    const test = match?.[2] as DriftTestName | undefined;
    const threshold = Number(match?.[3]);
    if (!match || !test || !driftTestNames.includes(test) || !Number.isFinite(threshold) || threshold <= 0) {
      throw driftErrors.create(
        'TW_DRIFT_CONFIG_INVALID',
        `DRIFT_FEATURE_TESTS entry "${entry}" is not feature=test:threshold with test one of ${driftTestNames.join(', ')} and threshold > 0`,
      );
    }
    out.set(match[1] as string, { test, threshold });
  }
  return out;
}

/**
 * The test of every feature of `manifest` (and of `score`), defaults overridden by `overrides`.
 * Throws TW_DRIFT_CONFIG_INVALID when an override names an unknown feature, a test that does not fit
 * the feature's kind, or a sample-based test (ks, wasserstein) for a profile without a sample.
 */
export function resolveFeatureTests(
  manifest: ModelManifest,
  overrides: ReadonlyMap<string, FeatureTest>,
  defaults: { readonly numeric: FeatureTest; readonly categorical: FeatureTest; readonly score: FeatureTest } = defaultTests,
): Map<string, FeatureTest> {
  const profile = manifest.referenceProfile;
  const out = new Map<string, FeatureTest>();
  const problems: string[] = [];
  const check = (name: string, allowed: ReadonlySet<DriftTestName>, fallback: FeatureTest, hasSample: boolean): void => {
    const t = overrides.get(name) ?? fallback;
    if (!allowed.has(t.test)) problems.push(`${name}: test ${t.test} does not fit this feature (use one of ${[...allowed].join(', ')})`);
    if ((t.test === 'ks' || t.test === 'wasserstein') && !hasSample)
      problems.push(`${name}: ${t.test} needs a reference sample, and the manifest has none`);
    out.set(name, t);
  };
  for (const [name, p] of Object.entries(profile.features)) check(name, numericTests, defaults.numeric, p.sample !== undefined);
  for (const name of Object.keys(profile.categorical ?? {})) check(name, categoricalTests, defaults.categorical, false);
  check('score', numericTests, defaults.score, profile.score.sample !== undefined);
  for (const name of overrides.keys()) if (!out.has(name)) problems.push(`${name}: not a feature of ${manifest.name} v${manifest.version}`);
  if (problems.length > 0) {
    throw driftErrors.create('TW_DRIFT_CONFIG_INVALID', `invalid DRIFT_FEATURE_TESTS:\n${problems.join('\n')}`);
  }
  return out;
}
