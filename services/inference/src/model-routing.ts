import type { LoadedModel } from './model/index.js';

/**
 * The versions that score one entity's events now, held so none of them is closed while the
 * caller still uses it. The stream path and the OIP endpoints take a lease per batch and release
 * it once the batch's predictions are produced (or the request answered); the repository closes
 * an unloaded or replaced version only after its last lease is released, so a swap never drops
 * a message in flight.
 */
export interface ModelLease {
  /** Scores the event and its prediction goes to `predictions`: the primary, or the canary for entities in its share. */
  readonly serving: LoadedModel;
  /** Also score the event; their predictions go to the shadow topic only. */
  readonly shadows: readonly LoadedModel[];
  /** Idempotent. */
  release(): void;
}

/** What the stream path and the OIP endpoints need from the model repository. */
export interface ModelRouter {
  /**
   * Routes one entity of model `modelName` by its traffic policy: the canary takes a
   * deterministic share of entities by a hash of the key (the same key always lands on the same
   * version), the primary the rest. Throws a retriable TW_MODEL_ error when no version of the
   * model is loaded.
   */
  acquire(modelName: string, entityKey: string): ModelLease;
  /** A specific loaded version (OIP `/versions/{v}`), or the primary when `version` is omitted; undefined when not loaded. */
  acquireVersion(modelName: string, version?: string): ModelLease | undefined;
}
