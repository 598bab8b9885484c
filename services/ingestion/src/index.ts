export { createApp } from './app.js';
export type { IngestionDeps } from './app.js';
export { ingestionConfigSchema } from './config.js';
export type { IngestionConfig } from './config.js';
