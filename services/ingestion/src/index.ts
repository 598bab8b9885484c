export { createApp } from './app.js';
export type { IngestionApp, IngestionDeps } from './app.js';
export { ingestionConfigSchema } from './config.js';
export type { IngestionConfig } from './config.js';
export { ingestErrors } from './errors.js';
export type { IngestErrorCode } from './errors.js';
export { hashApiKey } from './api-keys.js';
