/**
 * Metrics the rules or dashboards query that issue 16 adds to the services and that the code does
 * not register yet. Remove a name once a service registers it (the tests then find it in the source).
 */
export const pendingMetrics: readonly string[] = [
  // tw_build_info{version,revision,node_version}: every service, always 1.
  'tw_build_info',
  // tw_http_request_duration_seconds{method,route,status_code}: every service's HTTP API.
  'tw_http_request_duration_seconds',
];
