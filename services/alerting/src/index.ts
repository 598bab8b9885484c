export { createApp } from './app.js';
export type { AlertingApp } from './app.js';
export type { AlertingDeps } from './app.js';
export { alertingConfigSchema } from './config.js';
export type { AlertingConfig } from './config.js';
