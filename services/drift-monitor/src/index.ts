export { createApp } from './app.js';
export type { DriftDeps } from './app.js';
export { driftConfigSchema } from './config.js';
export type { DriftConfig } from './config.js';
export { createDriftProcessor } from './drift-processor.js';
export type { DriftInput, DriftProcessor, DriftProcessorOptions, DriftRecord, DriftSnapshot } from './drift-processor.js';
export { driftConfigFromEnv } from './processor-options.js';
export { parseFeatureTests } from './drift-tests.js';
