export { createMetricsRegistry } from './metrics-registry.js';
export { createOpsServer } from './ops-server.js';
export type { OpsServerOptions, ReadinessCheck } from './ops-server.js';
