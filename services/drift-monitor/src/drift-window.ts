import { referenceBinIndex, type ModelManifest } from '@tidewater/model-manifest';
import type { DriftReport, FeatureDrift, FeatureVector } from '@tidewater/schemas';
import { populationStabilityIndex } from './population-stability.js';

/**
 * One tumbling window of a model version: bin counts per feature and for the score, against the
 * reference profile's bin edges. Memory is O(features x bins), whatever the window size.
 */
export class DriftWindow {
  private readonly featureCounts = new Map<string, number[]>();
  private readonly scoreCounts: number[];
  private predictions = 0;
  private positives = 0;
  private scoreSum = 0;
  private values = 0;
  private missing = 0;
  private start = Number.POSITIVE_INFINITY;
  private end = Number.NEGATIVE_INFINITY;

  constructor(private readonly manifest: ModelManifest) {
    for (const [name, p] of Object.entries(manifest.referenceProfile.features))
      this.featureCounts.set(name, new Array<number>(p.binEdges.length + 1).fill(0));
    this.scoreCounts = new Array<number>(manifest.referenceProfile.score.binEdges.length + 1).fill(0);
  }

  get size(): number {
    return this.predictions;
  }

  addFeatures(features: FeatureVector['features']): void {
    for (const [name, counts] of this.featureCounts) {
      const v = features[name];
      this.values++;
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        this.missing++;
        continue;
      }
      const profile = this.manifest.referenceProfile.features[name]!;
      counts[referenceBinIndex(profile.binEdges, v)]!++;
    }
  }

  addPrediction(score: number, label: boolean, eventTime: number): void {
    this.predictions++;
    this.scoreSum += score;
    if (label) this.positives++;
    this.scoreCounts[referenceBinIndex(this.manifest.referenceProfile.score.binEdges, score)]!++;
    this.start = Math.min(this.start, eventTime);
    this.end = Math.max(this.end, eventTime);
  }

  /** The window's report; a model drifts when its score or at least half of its features drift. */
  report(reportId: string, threshold: number): DriftReport {
    const features: FeatureDrift[] = [];
    for (const [name, counts] of this.featureCounts) {
      const n = counts.reduce((a, b) => a + b, 0);
      const value = populationStabilityIndex(this.manifest.referenceProfile.features[name]!.shares, counts);
      features.push({
        feature: name,
        statistic: 'psi',
        value,
        threshold,
        p_value: null,
        drifted: n > 0 && value >= threshold,
        sample_size: n,
      });
    }
    const scorePsi = populationStabilityIndex(this.manifest.referenceProfile.score.shares, this.scoreCounts);
    features.push({
      feature: 'score',
      statistic: 'psi',
      value: scorePsi,
      threshold,
      p_value: null,
      drifted: scorePsi >= threshold,
      sample_size: this.predictions,
    });
    const drifted = features.filter((f) => f.feature !== 'score' && f.drifted).length;
    const featureTotal = features.length - 1;
    return {
      report_id: reportId,
      model_name: this.manifest.name,
      model_version: this.manifest.version,
      window_start: Number.isFinite(this.start) ? this.start : 0,
      window_end: Number.isFinite(this.end) ? this.end : 0,
      sample_size: this.predictions,
      features,
      score_mean: this.predictions > 0 ? this.scoreSum / this.predictions : 0,
      positive_rate: this.predictions > 0 ? this.positives / this.predictions : 0,
      missing_rate: this.values > 0 ? this.missing / this.values : 0,
      drifted: scorePsi >= threshold || drifted * 2 >= featureTotal,
    };
  }
}
