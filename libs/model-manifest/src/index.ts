export { modelManifestSchema, parseModelManifest, referenceBinIndex } from './model-manifest.js';
export type { CategoricalProfile, FeatureSpec, ModelManifest, NumericProfile } from './model-manifest.js';
export { MANIFEST_FILE, readModelManifest } from './read-model-manifest.js';
export { manifestErrors } from './errors.js';
