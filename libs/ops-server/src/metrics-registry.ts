import { Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A per-service Prometheus registry with Node's default metrics and a `tw_service` label on
 * every series. One registry per process keeps tests free of the global registry's leaks. The label
 * is not `service` because prometheus-operator sets a target label of that name from the
 * Kubernetes Service and would rename ours to `exported_service`.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ tw_service: service });
  collectDefaultMetrics({ register: registry });
  // What is running, for dashboards and for joining other series on (`* on(tw_service) group_left(version)`).
  // The image sets TW_BUILD_VERSION and TW_BUILD_REVISION; a process started from a checkout reports `dev`.
  new Gauge({
    name: 'tw_build_info',
    help: 'Always 1; labels say which build of the service runs',
    labelNames: ['version', 'revision', 'node_version'],
    registers: [registry],
  }).set(
    {
      version: process.env['TW_BUILD_VERSION'] || 'dev',
      revision: process.env['TW_BUILD_REVISION'] || 'unknown',
      node_version: process.version,
    },
    1,
  );
  return registry;
}
