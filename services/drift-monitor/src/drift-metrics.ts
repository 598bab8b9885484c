import { Counter, Gauge, type Registry } from 'prom-client';
import type { DriftReport } from '@tidewater/schemas';

/**
 * Prometheus gauges of the latest closed window per model version and feature, and counters of
 * what the monitor could not use. Label sets stay bounded: models x features x statistics.
 */
export function createDriftMetrics(registry: Registry) {
  const registers = [registry];
  const featureLabels = ['model', 'version', 'feature', 'statistic'];
  const modelLabels = ['model', 'version'];
  const g = {
    statistic: new Gauge({
      name: 'tw_drift_statistic',
      help: 'Drift statistic of the latest closed window',
      labelNames: featureLabels,
      registers,
    }),
    psi: new Gauge({
      name: 'tw_drift_psi',
      help: 'PSI of the latest closed window (features judged by PSI)',
      labelNames: ['model', 'version', 'feature'],
      registers,
    }),
    pValue: new Gauge({
      name: 'tw_drift_p_value',
      help: 'Corrected p-value of the latest closed window (p-value tests only)',
      labelNames: featureLabels,
      registers,
    }),
    featureDrifted: new Gauge({
      name: 'tw_drift_feature_drifted',
      help: '1 when the feature drifted in the latest closed window',
      labelNames: featureLabels,
      registers,
    }),
    missing: new Gauge({
      name: 'tw_drift_missing_rate',
      help: 'Share of events without a value for the feature',
      labelNames: ['model', 'version', 'feature'],
      registers,
    }),
    outOfRange: new Gauge({
      name: 'tw_drift_out_of_range_rate',
      help: 'Share of values outside training min/max',
      labelNames: ['model', 'version', 'feature'],
      registers,
    }),
    modelDrifted: new Gauge({
      name: 'tw_drift_model_drifted',
      help: '1 when the latest closed window drifted as a whole',
      labelNames: modelLabels,
      registers,
    }),
    driftShare: new Gauge({
      name: 'tw_drift_share',
      help: 'Share of features that drifted in the latest closed window',
      labelNames: modelLabels,
      registers,
    }),
    unseen: new Gauge({
      name: 'tw_drift_unseen_category_rate',
      help: 'Share of categorical values never seen in training',
      labelNames: modelLabels,
      registers,
    }),
    positiveRate: new Gauge({
      name: 'tw_drift_positive_rate',
      help: 'Share of predictions at or above the threshold',
      labelNames: modelLabels,
      registers,
    }),
    positiveRateChange: new Gauge({
      name: 'tw_drift_positive_rate_change',
      help: 'Positive rate minus the training positive rate',
      labelNames: modelLabels,
      registers,
    }),
    freshness: new Gauge({
      name: 'tw_drift_feature_freshness_max_seconds',
      help: 'Largest feature_time - event_time in the window',
      labelNames: modelLabels,
      registers,
    }),
    schemaViolations: new Gauge({
      name: 'tw_drift_schema_violation_rate',
      help: 'Dead letters / (dead letters + events) in the window',
      labelNames: modelLabels,
      registers,
    }),
    samples: new Gauge({ name: 'tw_drift_window_samples', help: 'Events in the latest closed window', labelNames: modelLabels, registers }),
  };
  const counters = {
    evicted: new Counter({
      name: 'tw_drift_join_evictions_total',
      help: 'Feature vectors or predictions dropped from the join buffer before their partner arrived',
      labelNames: ['side'],
      registers,
    }),
    late: new Counter({
      name: 'tw_drift_late_events_total',
      help: 'Events that arrived after their window had closed',
      labelNames: modelLabels,
      registers,
    }),
    unknownModel: new Counter({
      name: 'tw_drift_unmonitored_predictions_total',
      help: 'Predictions of model versions without a loaded manifest',
      labelNames: modelLabels,
      registers,
    }),
  };
  return {
    counters,
    /** Publishes a closed window's figures. */
    record(r: DriftReport): void {
      const m = { model: r.model_name, version: r.model_version };
      for (const f of r.features) {
        const l = { ...m, feature: f.feature, statistic: f.statistic };
        g.statistic.set(l, f.value);
        g.featureDrifted.set(l, f.drifted ? 1 : 0);
        if (f.p_value_adjusted !== null) g.pValue.set(l, f.p_value_adjusted);
        if (f.statistic === 'psi') g.psi.set({ ...m, feature: f.feature }, f.value);
        g.missing.set({ ...m, feature: f.feature }, f.missing_rate);
        if (f.kind === 'numeric') g.outOfRange.set({ ...m, feature: f.feature }, f.out_of_range_rate);
      }
      g.modelDrifted.set(m, r.drifted ? 1 : 0);
      g.driftShare.set(m, r.drift_share);
      g.unseen.set(m, r.unseen_category_rate);
      g.positiveRate.set(m, r.positive_rate);
      g.positiveRateChange.set(m, r.positive_rate_change);
      g.freshness.set(m, r.freshness_max_ms / 1000);
      g.schemaViolations.set(m, r.schema_violation_rate);
      g.samples.set(m, r.sample_size);
      if (r.late_events > 0) counters.late.inc(m, r.late_events);
    },
  };
}
