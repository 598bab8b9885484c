export { startTracing } from './start-tracing.js';
export type { TracingHandle } from './start-tracing.js';
