import { describe, expect, it } from 'vitest';
import type { DriftReport, FeatureDrift } from '@tidewater/schemas';
import { alertFingerprint } from '@tidewater/schemas';
import { driftAlert } from './drift-alert.js';

const runbookBase = 'https://runbooks.example/docs/runbooks.md';
const startsAt = Date.UTC(2025, 2, 1, 10);
const now = Date.UTC(2025, 2, 1, 11);

function check(feature: string, value: number, sampleSize = 1000): FeatureDrift {
  return { feature, statistic: 'psi', value, threshold: 0.2, p_value: null, drifted: value >= 0.2, sample_size: sampleSize };
}

const driftedReport: DriftReport = {
  report_id: 'report-7',
  model_name: 'fraud-demo',
  model_version: '1',
  window_start: startsAt - 60_000,
  window_end: startsAt,
  sample_size: 1000,
  features: [check('amount', 1.23456), check('is_ecom', 0.05), check('hour_of_day', 0.2), check('score', 0.4)],
  score_mean: 0.08123,
  positive_rate: 0.1234,
  missing_rate: 0,
  drifted: true,
};

const cleanReport: DriftReport = {
  ...driftedReport,
  report_id: 'report-8',
  features: driftedReport.features.map((f) => check(f.feature, 0.01)),
  drifted: false,
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
      figures: 'amount: PSI 1.235 >= 0.2; hour_of_day: PSI 0.200 >= 0.2; score: PSI 0.400 >= 0.2',
    });
    expect(alert.annotations['summary']).toBe('fraud-demo v1: inputs or scores drifted from training (3 of 4 checks)');
    expect(alert.annotations['description']).toContain('Window of 1000 predictions, mean score 0.081, positive rate 12.3%');
    expect(alert.annotations['description']).toContain('amount: PSI 1.235');
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
    expect(resolved.annotations['description']).toContain('1000 predictions matches the reference profile');
  });

  it('keys the alert by model version, so two versions alert separately', () => {
    const v2 = driftAlert({ ...driftedReport, model_version: '2' }, 'firing', startsAt, now, runbookBase);
    expect(v2.labels['model_version']).toBe('2');
    expect(v2.fingerprint).not.toBe(driftAlert(driftedReport, 'firing', startsAt, now, runbookBase).fingerprint);
  });
});
