import { describe, expect, it } from 'vitest';
import type { DriftReport, FeatureDrift } from '@tidewater/schemas';
import { alertFingerprint } from '@tidewater/schemas';
import { driftAlert, featureDriftAlert } from './drift-alert.js';

const runbookBase = 'https://runbooks.example/docs/runbooks.md';
const startsAt = Date.UTC(2025, 2, 1, 10);
const now = Date.UTC(2025, 2, 1, 11);

function check(feature: string, value: number, sampleSize = 1000): FeatureDrift {
  return {
    feature,
    kind: feature === 'score' ? 'score' : 'numeric',
    statistic: 'psi',
    value,
    threshold: 0.2,
    p_value: null,
    p_value_adjusted: null,
    drifted: value >= 0.2,
    sample_size: sampleSize,
    missing_rate: 0,
    out_of_range_rate: 0,
    unseen_categories: [],
  };
}

const driftedReport: DriftReport = {
  report_id: 'report-7',
  model_name: 'fraud-demo',
  model_version: '1',
  window_start: startsAt - 60_000,
  window_end: startsAt,
  sample_size: 1000,
  features: [
    check('amount', 1.23456),
    check('is_ecom', 0.05),
    check('hour_of_day', 0.2),
    {
      ...check('country', 41.5),
      kind: 'categorical',
      statistic: 'chisquare',
      threshold: 0.05,
      p_value: 1e-6,
      p_value_adjusted: 4e-6,
      unseen_categories: ['BR'],
    },
    check('score', 0.4),
  ],
  score_mean: 0.08123,
  positive_rate: 0.1234,
  missing_rate: 0,
  drifted: true,
  window_kind: 'count',
  correction: 'bh',
  drift_share: 0.75,
  drifted_features: ['amount', 'hour_of_day', 'country', 'score'],
  out_of_range_rate: 0.02,
  unseen_category_rate: 0.1,
  reference_positive_rate: 0.0105,
  positive_rate_change: 0.1129,
  freshness_mean_ms: 15,
  freshness_max_ms: 40,
  dead_letters: 3,
  schema_violation_rate: 0.003,
  late_events: 0,
};

const cleanReport: DriftReport = {
  ...driftedReport,
  report_id: 'report-8',
  features: driftedReport.features.map((f) => check(f.feature, 0.01)),
  drifted: false,
  drifted_features: [],
};

const labels = { alertname: 'ModelDriftDetected', model: 'fraud-demo', model_version: '1', severity: 'warning' };

describe('driftAlert', () => {
  it('fires with the model labels, the drifted checks and no end time', () => {
    const alert = driftAlert(driftedReport, 'firing', startsAt, now, runbookBase);
    expect(alert).toMatchObject({
      fingerprint: alertFingerprint(labels),
      status: 'firing',
      labels,
      starts_at: startsAt,
      ends_at: null,
      source: 'drift-monitor',
      generator_url: null,
    });
    expect(alert.annotations).toMatchObject({
      runbook_url: `${runbookBase}#model-drift-detected`,
      report_id: 'report-7',
      figures:
        'amount: psi 1.235 >= 0.2; hour_of_day: psi 0.200 >= 0.2; country: chisquare 41.500, p 4.0e-6 < 0.05; score: psi 0.400 >= 0.2',
      drifted_features: 'amount,hour_of_day,country,score',
    });
    expect(alert.annotations['summary']).toBe('fraud-demo v1: inputs or scores drifted from training (4 of 5 checks)');
    expect(alert.annotations['description']).toContain('Window of 1000 predictions (2025-03-01T09:59:00.000Z to 2025-03-01T10:00:00.000Z)');
    expect(alert.annotations['description']).toContain(
      'mean score 0.081, positive rate 12.3% (training 1.1%), missing 0.0%, out of range 2.0%',
    );
    expect(alert.annotations['description']).toContain('amount: psi 1.235');
    expect(alert.annotations['description']).not.toContain('is_ecom');
  });

  it('resolves with the original start, an end time and the same fingerprint', () => {
    const firing = driftAlert(driftedReport, 'firing', startsAt, startsAt, runbookBase);
    const resolved = driftAlert(cleanReport, 'resolved', startsAt, now, runbookBase);
    expect(resolved).toMatchObject({ status: 'resolved', labels, starts_at: startsAt, ends_at: now, fingerprint: firing.fingerprint });
    expect(resolved.annotations).toMatchObject({
      summary: 'fraud-demo v1: drift cleared',
      runbook_url: `${runbookBase}#model-drift-detected`,
      report_id: 'report-8',
      figures: '',
    });
    expect(resolved.annotations['description']).toContain('matches the reference profile again');
  });

  it('gives each feature its own alert, labelled with the feature, describing its figures', () => {
    const country = driftedReport.features.find((f) => f.feature === 'country')!;
    const alert = featureDriftAlert(driftedReport, country, 'firing', startsAt, now, runbookBase);
    const featureLabels = {
      alertname: 'FeatureDriftDetected',
      model: 'fraud-demo',
      model_version: '1',
      feature: 'country',
      severity: 'info',
    };
    expect(alert).toMatchObject({ fingerprint: alertFingerprint(featureLabels), labels: featureLabels, status: 'firing', ends_at: null });
    expect(alert.annotations).toMatchObject({
      summary: 'fraud-demo v1: country drifted from training',
      figures: 'country: chisquare 41.500, p 4.0e-6 < 0.05',
      runbook_url: `${runbookBase}#feature-drift-detected`,
    });
    expect(alert.annotations['description']).toContain('unseen categories BR');
    const resolved = featureDriftAlert(cleanReport, cleanReport.features[3]!, 'resolved', startsAt, now, runbookBase);
    expect(resolved).toMatchObject({ fingerprint: alert.fingerprint, ends_at: now, starts_at: startsAt });
  });

  it('keys the alert by model version, so two versions alert separately', () => {
    const v2 = driftAlert({ ...driftedReport, model_version: '2' }, 'firing', startsAt, now, runbookBase);
    expect(v2.labels['model_version']).toBe('2');
    expect(v2.fingerprint).not.toBe(driftAlert(driftedReport, 'firing', startsAt, now, runbookBase).fingerprint);
  });
});
