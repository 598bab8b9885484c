import type { LoadedModel } from '../model/index.js';
import type { ModelLease, ModelRouter } from '../model-routing.js';

/**
 * A router that serves one model version and no shadows: every entity gets the same lease. For
 * tests and embedding without a model repository; the model is closed by whoever loaded it, so
 * release() has nothing to do.
 */
export function createSingleModelRouter(model: LoadedModel): ModelRouter {
  const lease: ModelLease = Object.freeze({ serving: model, shadows: Object.freeze([]), release: () => undefined });
  const { name, version } = model.manifest;
  return {
    acquire: () => lease,
    acquireVersion: (modelName, v) => (modelName === name && (v === undefined || v === version) ? lease : undefined),
  };
}
