export { createApp } from './app.js';
export type { FeatureDeps } from './app.js';
export { featureConfigSchema } from './config.js';
export type { FeatureConfig } from './config.js';
export { computeFeatures, featureSet } from './compute-features.js';
export type { WindowAggregate } from './window-state.js';
