import type { Logger } from '@tidewater/logging';
import { scanRepository, type RepositorySnapshot, type VersionDir } from './repository-scan.js';

/** What the watcher does about a change it has seen settle. */
export interface WatcherActions {
  /** A version directory is new or its files changed. Errors are the action's to report. */
  versionChanged(v: VersionDir): Promise<void>;
  /** A version directory disappeared. */
  versionRemoved(name: string, version: string): Promise<void>;
  /** A policy.json appeared, changed (text) or disappeared (undefined). */
  policyChanged(name: string, text: string | undefined): Promise<void>;
}

const ABSENT = '\u0000absent';
const key = (name: string, version: string): string => `${name}/${version}`;

/**
 * Polls the repository and reports changes once they have settled.
 *
 * Why polling and not fs.watch: inotify misses changes on network and overlay file systems and in
 * Kubernetes ConfigMap/volume mounts (updated by swapping a symlink), `recursive` watching on
 * Linux is recent and drops events under load, and events arrive per file while a copy is half
 * done. Listing a small tree of a few directories once a second costs a handful of stat calls
 * and sees every change; a change is applied only when two consecutive scans agree on the
 * files' fingerprint (size, mtime, inode), so a model still being copied is not loaded half
 * written, and a version is unloaded only when two consecutive scans miss its directory. Changes
 * show up within one to two intervals.
 */
export class RepositoryWatcher {
  /** Fingerprint last acted on, per name/version: a version is reloaded only when its files change again. */
  readonly #applied = new Map<string, string>();
  readonly #pending = new Map<string, string>();
  /** Applied versions the last scan did not see: removed only when the next one does not either. */
  readonly #missing = new Set<string>();
  readonly #appliedPolicies = new Map<string, string>();
  readonly #pendingPolicies = new Map<string, string>();
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(
    private readonly root: string,
    private readonly intervalMs: number,
    private readonly actions: WatcherActions,
    private readonly logger: Logger,
  ) {}

  /** Records that `fingerprint` of a version was acted on outside the watcher (open, admin load). */
  markApplied(v: Pick<VersionDir, 'name' | 'version' | 'fingerprint'>): void {
    this.#applied.set(key(v.name, v.version), v.fingerprint);
    this.#pending.delete(key(v.name, v.version));
    this.#missing.delete(key(v.name, v.version));
  }

  /** Records the policy text applied: the one the repository started from, or one the admin API wrote and applied. */
  markPolicyApplied(name: string, text: string | undefined): void {
    this.#appliedPolicies.set(name, text ?? ABSENT);
    // A scan that read the older text before this process wrote the new one sees it once more
    // only: starting over from no pending text, it can never settle back to it.
    this.#pendingPolicies.delete(name);
  }

  /** Accepts `snapshot` as the state already applied (the repository loaded it at open) and starts polling. */
  start(snapshot: RepositorySnapshot): void {
    for (const v of snapshot.versions) this.markApplied(v);
    for (const [name, text] of snapshot.policies) this.markPolicyApplied(name, text);
    this.#schedule();
  }

  /** Stops polling and waits for a scan in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(): void {
    if (this.#stopped || this.intervalMs <= 0) return;
    this.#timer = setTimeout(() => {
      this.#running = this.scan()
        .catch((err: unknown) => this.logger.error({ err, root: this.root }, 'model repository watcher pass failed'))
        .finally(() => {
          this.#running = undefined;
          this.#schedule();
        });
    }, this.intervalMs);
    this.#timer.unref();
  }

  /** One scan: what the timer runs; called directly by tests (with the interval at 0) to step it. */
  async scan(): Promise<void> {
    let snapshot: RepositorySnapshot;
    try {
      snapshot = await scanRepository(this.root);
    } catch (err) {
      // A scan that cannot see the tree changes nothing: better stale than unloading everything.
      this.logger.warn({ err, root: this.root }, 'model repository scan failed; keeping the loaded versions');
      return;
    }
    const seen = new Set<string>();
    for (const v of snapshot.versions) {
      const k = key(v.name, v.version);
      seen.add(k);
      if (this.#applied.get(k) === v.fingerprint) {
        this.#pending.delete(k);
      } else if (this.#pending.get(k) !== v.fingerprint) {
        this.#pending.set(k, v.fingerprint);
      } else if (!this.#stopped) {
        this.markApplied(v);
        await this.actions.versionChanged(v);
      }
    }
    for (const k of [...this.#applied.keys()]) {
      if (seen.has(k)) this.#missing.delete(k);
      if (seen.has(k) || this.#stopped) continue;
      // Settled like any other change: a directory swapped by two renames (`mv 2 2.old; mv 2.new 2`)
      // is missing from at most one scan, and must not unload a version that is still serving.
      if (!this.#missing.has(k)) {
        this.#missing.add(k);
        continue;
      }
      this.#missing.delete(k);
      this.#applied.delete(k);
      this.#pending.delete(k);
      const [name = '', version = ''] = k.split('/');
      await this.actions.versionRemoved(name, version);
    }
    const names = new Set([...snapshot.policies.keys(), ...this.#appliedPolicies.keys()]);
    for (const name of names) {
      const text = snapshot.policies.get(name) ?? ABSENT;
      if ((this.#appliedPolicies.get(name) ?? ABSENT) === text) {
        this.#pendingPolicies.delete(name);
      } else if (this.#pendingPolicies.get(name) !== text) {
        this.#pendingPolicies.set(name, text);
      } else if (!this.#stopped) {
        this.#pendingPolicies.delete(name);
        this.#appliedPolicies.set(name, text);
        await this.actions.policyChanged(name, text === ABSENT ? undefined : text);
      }
    }
  }
}
