import { Registry, collectDefaultMetrics } from 'prom-client';

/**
 * A per-service Prometheus registry with Node's default metrics and a `service` label on
 * every series. One registry per process keeps tests free of the global registry's leaks.
 */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}
