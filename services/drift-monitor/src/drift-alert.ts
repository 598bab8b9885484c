import { alertFingerprint, type Alert, type DriftReport, type FeatureDrift } from '@tidewater/schemas';

/** One check's figure as on-call reads it, e.g. `amount: psi 1.235 >= 0.2` or `country: chisquare p 0.0001 < 0.05`. */
export function checkFigure(f: FeatureDrift): string {
  if (f.p_value_adjusted !== null) {
    const p =
      f.p_value_adjusted === 0 ? '0' : f.p_value_adjusted < 1e-3 ? f.p_value_adjusted.toExponential(1) : f.p_value_adjusted.toPrecision(2);
    return `${f.feature}: ${f.statistic} ${f.value.toFixed(3)}, p ${p} < ${f.threshold}`;
  }
  return `${f.feature}: ${f.statistic} ${f.value.toFixed(3)} >= ${f.threshold}`;
}

function qualityFigures(r: DriftReport): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  return [
    `positive rate ${pct(r.positive_rate)} (training ${pct(r.reference_positive_rate)})`,
    `missing ${pct(r.missing_rate)}`,
    `out of range ${pct(r.out_of_range_rate)}`,
    `unseen categories ${pct(r.unseen_category_rate)}`,
  ].join(', ');
}

/** The alert for a model's drift verdict: firing while windows drift, resolved once enough clean ones followed. */
export function driftAlert(
  report: DriftReport,
  status: 'firing' | 'resolved',
  startsAt: number,
  now: number,
  runbookBaseUrl: string,
): Alert {
  const labels = {
    alertname: 'ModelDriftDetected',
    model: report.model_name,
    model_version: report.model_version,
    severity: 'warning',
  };
  const drifted = report.features.filter((f) => f.drifted);
  const figures = drifted.map(checkFigure).join('; ');
  const span = `${new Date(report.window_start).toISOString()} to ${new Date(report.window_end).toISOString()}`;
  return {
    fingerprint: alertFingerprint(labels),
    status,
    labels,
    annotations: {
      summary:
        status === 'firing'
          ? `${report.model_name} v${report.model_version}: inputs or scores drifted from training (${drifted.length} of ${report.features.length} checks)`
          : `${report.model_name} v${report.model_version}: drift cleared`,
      description:
        status === 'firing'
          ? `Window of ${report.sample_size} predictions (${span}), mean score ${report.score_mean.toFixed(3)}, ${qualityFigures(report)}. Drifted: ${figures}.`
          : `The latest window of ${report.sample_size} predictions (${span}) matches the reference profile again.`,
      figures,
      drifted_features: report.drifted_features.join(','),
      runbook_url: `${runbookBaseUrl}#model-drift-detected`,
      report_id: report.report_id,
    },
    starts_at: startsAt,
    ends_at: status === 'resolved' ? now : null,
    source: 'drift-monitor',
    generator_url: null,
  };
}

/** The alert for one feature (or the score) of a model version: `feature` is part of its identity. */
export function featureDriftAlert(
  report: DriftReport,
  check: FeatureDrift,
  status: 'firing' | 'resolved',
  startsAt: number,
  now: number,
  runbookBaseUrl: string,
): Alert {
  const labels = {
    alertname: 'FeatureDriftDetected',
    model: report.model_name,
    model_version: report.model_version,
    feature: check.feature,
    severity: 'info',
  };
  const figures = checkFigure(check);
  const unseen = check.unseen_categories.length > 0 ? `; unseen categories ${check.unseen_categories.join(', ')}` : '';
  return {
    fingerprint: alertFingerprint(labels),
    status,
    labels,
    annotations: {
      summary:
        status === 'firing'
          ? `${report.model_name} v${report.model_version}: ${check.feature} drifted from training`
          : `${report.model_name} v${report.model_version}: ${check.feature} back to normal`,
      description: `${figures} over ${check.sample_size} values; missing ${(check.missing_rate * 100).toFixed(1)}%, out of range ${(check.out_of_range_rate * 100).toFixed(1)}%${unseen}.`,
      figures,
      runbook_url: `${runbookBaseUrl}#feature-drift-detected`,
      report_id: report.report_id,
    },
    starts_at: startsAt,
    ends_at: status === 'resolved' ? now : null,
    source: 'drift-monitor',
    generator_url: null,
  };
}
