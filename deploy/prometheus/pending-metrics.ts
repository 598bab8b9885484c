/**
 * Metrics the rules or dashboards query that issue 16 adds to the services and that no committed
 * code registers yet. Remove a name once a service registers it (the tests then find it in the source).
 */
export const pendingMetrics: readonly string[] = [
  // tw_pipeline_latency_seconds{model}: inference, occurred_at to the prediction's publication.
  'tw_pipeline_latency_seconds',
];
