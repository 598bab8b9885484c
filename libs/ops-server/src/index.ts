export { createMetricsRegistry } from './metrics-registry.js';
export { createOpsServer, maxParamLength } from './ops-server.js';
export type { OpsServerOptions, ReadinessCheck } from './ops-server.js';
export { createRouteMethods } from './route-methods.js';
export type { DeclaredRoute, RouteMethods } from './route-methods.js';
export { requestTraceContext } from './http-spans.js';
