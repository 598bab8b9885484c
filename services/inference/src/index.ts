export { createApp } from './app.js';
export type { InferenceDeps } from './app.js';
export { inferenceConfigSchema } from './config.js';
export type { InferenceConfig } from './config.js';
