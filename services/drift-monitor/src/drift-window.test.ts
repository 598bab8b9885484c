import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelManifest, type ModelManifest } from '@tidewater/model-manifest';
import { createRandom, type Random } from '@tidewater/payment-simulator';
import { repoRoot } from '@tidewater/schemas';
import { DriftWindow } from './drift-window.js';

const manifest = readModelManifest(join(repoRoot, 'models', 'fraud-demo', '1'));
const featureNames = Object.keys(manifest.referenceProfile.features);
const threshold = 0.2;
const t0 = Date.UTC(2025, 2, 1);

/** A manifest profiling only some of the committed features, for the model-level rule. */
function withFeatures(names: readonly string[]): ModelManifest {
  const features = Object.fromEntries(names.map((n) => [n, manifest.referenceProfile.features[n]!]));
  return { ...manifest, referenceProfile: { ...manifest.referenceProfile, features } };
}

/** A value inside reference bin `i` (bins are right-closed; the last one is open-ended). */
function valueInBin(binEdges: readonly number[], i: number): number {
  return i < binEdges.length ? binEdges[i]! : binEdges[binEdges.length - 1]! + 1;
}

/** A value drawn from the reference distribution: a bin by its share, then a value in it. */
function draw(rnd: Random, profile: { binEdges: readonly number[]; shares: readonly number[] }): number {
  return valueInBin(profile.binEdges, rnd.weighted(profile.shares));
}

/**
 * Fills a window with `n` rows drawn from the reference profile; `shift` overrides some features
 * (and the score, under the name 'score') with values of its own.
 */
function fill(window: DriftWindow, m: ModelManifest, n: number, seed: number, shift: Record<string, (rnd: Random) => number> = {}): void {
  const rnd = createRandom(seed);
  for (let i = 0; i < n; i++) {
    const features: Record<string, number> = {};
    for (const [name, profile] of Object.entries(m.referenceProfile.features)) features[name] = shift[name]?.(rnd) ?? draw(rnd, profile);
    const score = shift['score']?.(rnd) ?? draw(rnd, m.referenceProfile.score);
    window.addFeatures(features);
    window.addPrediction(score, score >= m.outputs.threshold, t0 + i * 1000);
  }
}

// Far above the reference's top amount bin (101.89): a spree of large payments.
const largeAmounts = { amount: () => 5000, log_amount: () => Math.log1p(5000), amount_sum_1h: () => 20_000 };

describe('DriftWindow', () => {
  it('does not flag a window drawn from the reference profile', () => {
    const window = new DriftWindow(manifest);
    fill(window, manifest, 2000, 1);
    const report = window.report('r-1', threshold);
    expect(report.drifted).toBe(false);
    expect(report.features.map((f) => f.feature)).toEqual([...featureNames, 'score']);
    for (const f of report.features) {
      expect(f).toMatchObject({ statistic: 'psi', threshold, p_value: null, drifted: false, sample_size: 2000 });
      expect(f.value).toBeGreaterThanOrEqual(0);
      expect(f.value).toBeLessThan(0.05);
    }
  });

  it('flags a shifted feature, and only that one', () => {
    const window = new DriftWindow(manifest);
    fill(window, manifest, 1000, 2, { hour_of_day: (rnd) => rnd.int(0, 6) });
    const report = window.report('r-2', threshold);
    expect(report.features.filter((f) => f.drifted).map((f) => f.feature)).toEqual(['hour_of_day']);
    expect(report.features.find((f) => f.feature === 'hour_of_day')!.value).toBeGreaterThan(1);
    // One feature of eight, the score unchanged: not enough for the model to drift.
    expect(report.drifted).toBe(false);
  });

  it('calls the model drifted when the score drifts, even with every feature stable', () => {
    const window = new DriftWindow(manifest);
    fill(window, manifest, 1000, 3, { score: (rnd) => rnd.uniform(0.5, 1) });
    const report = window.report('r-3', threshold);
    expect(report.features.filter((f) => f.drifted).map((f) => f.feature)).toEqual(['score']);
    expect(report.drifted).toBe(true);
    expect(report.positive_rate).toBe(1);
  });

  it('calls the model drifted when at least half of the features drift', () => {
    const shifted = { ...largeAmounts, is_ecom: () => 1 };
    const three = new DriftWindow(manifest);
    fill(three, manifest, 1000, 4, largeAmounts);
    const threeReport = three.report('r-4', threshold);
    expect(
      threeReport.features
        .filter((f) => f.drifted)
        .map((f) => f.feature)
        .sort(),
    ).toEqual(['amount', 'amount_sum_1h', 'log_amount']);
    expect(threeReport.drifted).toBe(false);

    const four = new DriftWindow(manifest);
    fill(four, manifest, 1000, 4, shifted);
    const fourReport = four.report('r-5', threshold);
    expect(fourReport.features.filter((f) => f.drifted)).toHaveLength(featureNames.length / 2);
    expect(fourReport.drifted).toBe(true);
  });

  it('rounds "half" up for an odd number of features', () => {
    const m = withFeatures(['amount', 'is_ecom', 'hour_of_day']);
    const one = new DriftWindow(m);
    fill(one, m, 1000, 5, { amount: () => 5000 });
    expect(one.report('r-6', threshold).drifted).toBe(false);
    const two = new DriftWindow(m);
    fill(two, m, 1000, 5, { amount: () => 5000, is_ecom: () => 1 });
    expect(two.report('r-7', threshold).drifted).toBe(true);
  });

  it('reports the window span, mean score, positive rate and sample sizes', () => {
    const window = new DriftWindow(manifest);
    window.addFeatures({ amount: 10 });
    window.addPrediction(0.9, true, t0 + 5000);
    window.addFeatures({ amount: 20 });
    window.addPrediction(0.1, false, t0);
    window.addFeatures({ amount: 30 });
    window.addPrediction(0.2, true, t0 + 2000);
    expect(window.size).toBe(3);
    const report = window.report('r-8', threshold);
    expect(report).toMatchObject({
      report_id: 'r-8',
      model_name: 'fraud-demo',
      model_version: '1',
      window_start: t0,
      window_end: t0 + 5000,
      sample_size: 3,
    });
    expect(report.score_mean).toBeCloseTo(0.4, 12);
    expect(report.positive_rate).toBeCloseTo(2 / 3, 12);
    expect(report.features.find((f) => f.feature === 'amount')!.sample_size).toBe(3);
    expect(report.features.find((f) => f.feature === 'is_ecom')!.sample_size).toBe(0);
  });

  it('counts missing, null, non-finite and non-numeric features in the missing rate, not in the bins', () => {
    const m = withFeatures(['amount', 'is_ecom']);
    const window = new DriftWindow(m);
    window.addFeatures({ amount: 10, is_ecom: 1 });
    window.addFeatures({ amount: null, is_ecom: 'yes' });
    window.addFeatures({ amount: Number.NaN, is_ecom: '' });
    window.addFeatures({ amount: Number.POSITIVE_INFINITY });
    const report = window.report('r-9', threshold);
    expect(report.missing_rate).toBe(6 / 8);
    expect(report.features.map((f) => [f.feature, f.sample_size])).toEqual([
      ['amount', 1],
      ['is_ecom', 1],
      ['score', 0],
    ]);
  });

  it('never flags a feature it saw no value of', () => {
    const window = new DriftWindow(manifest);
    for (let i = 0; i < 100; i++) {
      window.addFeatures({});
      window.addPrediction(manifest.referenceProfile.score.mean, false, t0 + i);
    }
    const report = window.report('r-10', threshold);
    expect(report.features.filter((f) => f.feature !== 'score').every((f) => !f.drifted && f.sample_size === 0)).toBe(true);
    expect(report.missing_rate).toBe(1);
  });

  it('reports an empty window as clean, with zeros', () => {
    const report = new DriftWindow(manifest).report('r-11', threshold);
    expect(report).toMatchObject({
      sample_size: 0,
      window_start: 0,
      window_end: 0,
      score_mean: 0,
      positive_rate: 0,
      missing_rate: 0,
      drifted: false,
    });
    expect(report.features.every((f) => f.value === 0 && !f.drifted)).toBe(true);
  });
});
