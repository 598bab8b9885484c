import { Registry, collectDefaultMetrics } from 'prom-client';

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
  return registry;
}
