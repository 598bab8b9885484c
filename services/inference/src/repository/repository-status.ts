import type { TrafficPolicy } from './traffic-policy.js';
import { compareVersions } from './traffic-policy.js';
import type { EffectiveRoute, ModelRoutes } from './model-routes.js';

export interface VersionStatus {
  readonly version: string;
  readonly state: 'loaded' | 'failed';
  readonly loadedAt?: string;
  readonly leases?: number;
  /** The last load failure of these files; a loaded version may have one when newer files were rejected. */
  readonly error?: { readonly code: string; readonly message: string; readonly at: string };
}

export interface ModelStatus {
  readonly name: string;
  readonly policy: TrafficPolicy | undefined;
  readonly policySource: 'default' | 'file';
  /**
   * Revision of the policy.json this replica applied ("none": no file). Every replica that applied
   * the same file shows the same revision: compare them to see a change has reached every one.
   */
  readonly policyRevision: string;
  /** Where traffic goes now; undefined when no version is loaded. */
  readonly route: EffectiveRoute | undefined;
  /** Versions the policy names that are not loaded (ignored by the route). */
  readonly missing: readonly string[];
  readonly versions: readonly VersionStatus[];
}

const iso = (t: number): string => new Date(t).toISOString();

/** What the admin API reports for one model: its policy, route, and every loaded or failed version. */
export function modelStatus(m: ModelRoutes): ModelStatus {
  const all = [...new Set([...m.loadedVersions(), ...m.failures.keys()])].sort(compareVersions);
  return {
    name: m.name,
    policy: m.policy,
    policySource: m.policySource,
    policyRevision: m.policyRevision,
    route: m.route,
    missing: m.missing,
    versions: all.map((version) => {
      const v = m.versions.get(version);
      const f = m.failures.get(version);
      return {
        version,
        state: v ? 'loaded' : 'failed',
        ...(v ? { loadedAt: iso(v.loadedAt), leases: v.leases } : {}),
        ...(f ? { error: { code: f.code, message: f.message, at: iso(f.at) } } : {}),
      };
    }),
  };
}
