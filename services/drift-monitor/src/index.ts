export { createApp } from './app.js';
export type { DriftDeps } from './app.js';
export { driftConfigSchema } from './config.js';
export type { DriftConfig } from './config.js';
