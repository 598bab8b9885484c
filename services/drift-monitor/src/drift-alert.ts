import { alertFingerprint, type Alert, type DriftReport } from '@tidewater/schemas';

/** The alert for a model's drift verdict: firing while windows drift, resolved when one is clean. */
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
  const figures = drifted.map((f) => `${f.feature}: PSI ${f.value.toFixed(3)} >= ${f.threshold}`).join('; ');
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
          ? `Window of ${report.sample_size} predictions, mean score ${report.score_mean.toFixed(3)}, positive rate ${(report.positive_rate * 100).toFixed(1)}%. Drifted: ${figures}.`
          : `The latest window of ${report.sample_size} predictions matches the reference profile again.`,
      figures,
      runbook_url: `${runbookBaseUrl}#model-drift-detected`,
      report_id: report.report_id,
    },
    starts_at: startsAt,
    ends_at: status === 'resolved' ? now : null,
    source: 'drift-monitor',
    generator_url: null,
  };
}
