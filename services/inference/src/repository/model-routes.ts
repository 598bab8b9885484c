import type { LoadedModel } from '../model/index.js';
import type { ModelLease } from '../model-routing.js';
import { NO_POLICY_REVISION } from './policy-file.js';
import type { ServedVersion } from './served-version.js';
import { BUCKETS, canarySeed, compareVersions, entityBucket, type TrafficPolicy } from './traffic-policy.js';

/** Where a model's traffic goes now, resolved from its policy and the versions actually loaded. */
export interface EffectiveRoute {
  readonly primary: string;
  readonly canary?: { readonly version: string; readonly percent: number };
  readonly shadows: readonly string[];
}

/** The last load failure of a version's files. */
export interface LoadFailure {
  readonly code: string;
  readonly message: string;
  readonly at: number;
}

interface Target {
  readonly version: ServedVersion;
  /** Shadows for entities this target serves: never the target itself. */
  readonly shadows: readonly ServedVersion[];
  readonly shadowModels: readonly LoadedModel[];
}

interface Route {
  readonly primary: Target;
  readonly canary: Target | undefined;
  /** Entities whose bucket is below this go to the canary. */
  readonly canaryBuckets: number;
  readonly effective: EffectiveRoute;
  /** Versions the policy names that are not loaded, for the status API and logs. */
  readonly missing: readonly string[];
}

function target(version: ServedVersion, shadows: readonly ServedVersion[]): Target {
  const own = shadows.filter((s) => s !== version);
  return { version, shadows: own, shadowModels: own.map((s) => s.model) };
}

function lease(t: Target): ModelLease {
  t.version.hold();
  for (const s of t.shadows) s.hold();
  let released = false;
  return {
    serving: t.version.model,
    shadows: t.shadowModels,
    release() {
      if (released) return;
      released = true;
      t.version.release();
      for (const s of t.shadows) s.release();
    },
  };
}

/**
 * The loaded versions of one model and its traffic policy. The route is recomputed whenever
 * either changes, so acquire() is a lookup, a hash when a canary is set, and a few counter
 * increments; it never waits on a load.
 */
export class ModelRoutes {
  readonly versions = new Map<string, ServedVersion>();
  /** The policy from policy.json; undefined means the default: highest version is primary. */
  policy: TrafficPolicy | undefined;
  policySource: 'default' | 'file' = 'default';
  /** Revision of the policy.json applied (policyRevision); a file rejected as invalid does not change it. */
  policyRevision: string = NO_POLICY_REVISION;
  /** Last load failure per version, cleared when the version loads or is unloaded. */
  readonly failures = new Map<string, LoadFailure>();
  #route: Route | undefined;
  readonly #seed: number;

  constructor(readonly name: string) {
    this.#seed = canarySeed(name);
  }

  get route(): EffectiveRoute | undefined {
    return this.#route?.effective;
  }

  get missing(): readonly string[] {
    return this.#route?.missing ?? [];
  }

  /** Loaded versions, lowest first. */
  loadedVersions(): string[] {
    return [...this.versions.keys()].sort(compareVersions);
  }

  /** Resolves the policy against the loaded versions; call after every change to either. */
  recompute(): void {
    const loaded = this.loadedVersions();
    if (loaded.length === 0) {
      this.#route = undefined;
      return;
    }
    const p = this.policy;
    const missing: string[] = [];
    const pick = (v: string | undefined): ServedVersion | undefined => {
      if (v === undefined) return undefined;
      const found = this.versions.get(v);
      if (!found) missing.push(v);
      return found;
    };
    const canaryVersion = p?.canary && p.canary.percent > 0 ? pick(p.canary.version) : undefined;
    const shadows = (p?.shadows ?? []).map(pick).filter((s): s is ServedVersion => s !== undefined);
    // Without a (loaded) primary, serve the highest version that is not being tried out.
    // (A canary at 0 % is staged, not promoted: it stays out of the fallback too.)
    const trial = new Set([p?.canary?.version, ...shadows.map((s) => s.version)]);
    const fallback = loaded.filter((v) => !trial.has(v)).at(-1) ?? (loaded.at(-1) as string);
    const primary = pick(p?.primary) ?? (this.versions.get(fallback) as ServedVersion);
    const canary = canaryVersion && canaryVersion !== primary ? canaryVersion : undefined;
    const percent = canary ? (p?.canary?.percent ?? 0) : 0;
    this.#route = {
      primary: target(primary, shadows),
      canary: canary ? target(canary, shadows) : undefined,
      canaryBuckets: Math.round((percent / 100) * BUCKETS),
      effective: {
        primary: primary.version,
        ...(canary ? { canary: { version: canary.version, percent } } : {}),
        shadows: shadows.map((s) => s.version),
      },
      missing,
    };
  }

  /** A lease by the policy for one entity; undefined when no version is loaded. */
  acquire(entityKey: string): ModelLease | undefined {
    const r = this.#route;
    if (!r) return undefined;
    if (r.canary && entityBucket(this.#seed, entityKey) < r.canaryBuckets) return lease(r.canary);
    return lease(r.primary);
  }

  /** A lease on one version (no shadows), or on the primary with its shadows when `version` is omitted. */
  acquireVersion(version: string | undefined): ModelLease | undefined {
    const r = this.#route;
    if (!r) return undefined;
    if (version === undefined) return lease(r.primary);
    const v = this.versions.get(version);
    return v ? lease(target(v, [])) : undefined;
  }
}
