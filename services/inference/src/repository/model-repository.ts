import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Counter, Gauge, type Registry } from 'prom-client';
import { errorCode } from '@tidewater/errors';
import { closeOnce } from '@tidewater/lifecycle';
import type { Logger } from '@tidewater/logging';
import { modelErrors } from '../model/errors.js';
import { loadOnnxModel, type LoadedModel, type LoadOnnxModelOptions } from '../model/index.js';
import type { ModelLease, ModelRouter } from '../model-routing.js';
import { ModelRoutes } from './model-routes.js';
import { modelStatus, type ModelStatus, type VersionStatus } from './repository-status.js';
import { isVersionPath, scanRepository, versionFingerprint, type VersionDir } from './repository-scan.js';
import { policyRevision, writePolicyFile, type PolicyWriteOptions } from './policy-file.js';
import { RepositoryWatcher } from './repository-watcher.js';
import { ServedVersion } from './served-version.js';
import { parseTrafficPolicy, parseTrafficPolicyText, POLICY_FILE, type TrafficPolicy } from './traffic-policy.js';

export interface ModelRepositoryOptions {
  /** The repository root: `<root>/<name>/<version>/{manifest.json, model.onnx}` and `<root>/<name>/policy.json`. */
  readonly root: string;
  readonly logger: Logger;
  /** Where the loaded-versions gauge and load-failures counter go; omitted, they are not exported. */
  readonly registry?: Registry;
  /** How often the watcher lists the repository, in ms; 0 turns watching off. Default 1000. */
  readonly pollIntervalMs?: number;
  /** ONNX Runtime session options for every version. */
  readonly session?: LoadOnnxModelOptions;
  readonly now?: () => number;
  /**
   * Called once a retired version's session is closed (after its last lease): the place to drop
   * per-model state kept elsewhere (batcher queues, worker-thread sessions).
   */
  readonly onModelClosed?: (model: LoadedModel) => void;
  /** Lock timings of admin policy writes (tests shorten them). */
  readonly policyWrites?: PolicyWriteOptions;
}

export interface PolicyChangeOptions {
  /** The policy revision the change was built on (`If-Match`); a different current revision is TW_MODEL_POLICY_CONFLICT. */
  readonly ifMatch?: string | undefined;
}

/** What an admin policy change answers: the revision written and this replica's status once it applied it. */
export interface PolicyChange {
  readonly revision: string;
  readonly model: ModelStatus;
}

/**
 * The model repository: loads every version under the root at open, keeps them in step with the
 * directory (watcher) and the admin API, and routes traffic by each model's policy. Loads,
 * unloads and policy changes run one at a time; acquire() never waits for them. A version that
 * fails to load is reported and the version already serving keeps serving.
 */
export class ModelRepository implements ModelRouter {
  readonly #models = new Map<string, ModelRoutes>();
  readonly #watcher: RepositoryWatcher;
  readonly #now: () => number;
  readonly #loadFailures: Counter<'model' | 'code'>;
  /** Sessions of retired versions not closed yet (leases still out). */
  readonly #retiring = new Set<Promise<void>>();
  #queue: Promise<unknown> = Promise.resolve();
  #state: 'new' | 'open' | 'closed' = 'new';
  #opening: Promise<void> | undefined;

  constructor(private readonly opts: ModelRepositoryOptions) {
    this.#now = opts.now ?? Date.now;
    const registers = opts.registry ? [opts.registry] : [];
    this.#loadFailures = new Counter({
      name: 'tw_inference_model_load_failures_total',
      help: 'Model versions or traffic policies rejected on load, by error code',
      labelNames: ['model', 'code'],
      registers,
    });
    const models = this.#models;
    const loaded: Gauge<'model'> = new Gauge({
      name: 'tw_inference_model_versions_loaded',
      help: 'Model versions loaded and routable, per model',
      labelNames: ['model'],
      registers,
      collect() {
        loaded.reset();
        for (const m of models.values()) loaded.set({ model: m.name }, m.versions.size);
      },
    });
    const policies: Gauge<'model' | 'revision'> = new Gauge({
      name: 'tw_inference_model_policy_info',
      help: 'Always 1, labelled with the revision of the policy.json this replica applied, per model',
      labelNames: ['model', 'revision'],
      registers,
      collect() {
        policies.reset();
        for (const m of models.values()) policies.set({ model: m.name, revision: m.policyRevision }, 1);
      },
    });
    this.#watcher = new RepositoryWatcher(
      opts.root,
      opts.pollIntervalMs ?? 1000,
      {
        versionChanged: (v) => this.#serial(() => this.#load(v)).catch(() => undefined),
        versionRemoved: (name, version) => this.#serial(async () => this.#unload(name, version)),
        policyChanged: (name, text) => this.#serial(async () => this.#applyPolicyFile(name, text)),
      },
      opts.logger,
    );
  }

  /**
   * Loads every version and policy found under the root, then starts watching. Throws when the
   * root cannot be listed. Every caller gets the same promise.
   */
  open(): Promise<void> {
    if (this.#state === 'closed') return Promise.reject(modelErrors.create('TW_MODEL_REPOSITORY_CLOSED', 'the model repository is closed'));
    this.#opening ??= this.#open();
    return this.#opening;
  }

  async #open(): Promise<void> {
    this.#state = 'open';
    const snapshot = await scanRepository(this.opts.root);
    for (const v of snapshot.versions) await this.#serial(() => this.#load(v)).catch(() => undefined);
    for (const [name, text] of snapshot.policies) await this.#serial(async () => this.#applyPolicyFile(name, text));
    this.#watcher.start(snapshot);
    const versions = [...this.#models.values()].reduce((n, m) => n + m.versions.size, 0);
    this.opts.logger.info({ root: this.opts.root, models: this.#models.size, versions }, 'model repository open');
  }

  /** Stops watching, refuses new leases at once and closes every version once its leases are released. Idempotent. */
  close(): Promise<void> {
    this.#state = 'closed';
    return this.#close();
  }

  readonly #close = closeOnce(async () => {
    await this.#watcher.stop();
    await this.#queue.catch(() => undefined);
    for (const m of this.#models.values()) {
      for (const v of m.versions.values()) this.#retire(v);
      m.versions.clear();
      m.recompute();
    }
    // Also the versions unloaded or replaced earlier whose last lease is still out (a slow OIP
    // request): close() resolves only when every session is closed.
    await Promise.all(this.#retiring);
  });

  acquire(modelName: string, entityKey: string): ModelLease {
    this.#assertOpen();
    const lease = this.#models.get(modelName)?.acquire(entityKey);
    if (!lease)
      throw modelErrors.create('TW_MODEL_NOT_LOADED', `no version of model ${modelName} is loaded`, { details: { model: modelName } });
    return lease;
  }

  acquireVersion(modelName: string, version?: string): ModelLease | undefined {
    this.#assertOpen();
    return this.#models.get(modelName)?.acquireVersion(version);
  }

  /** Loaded versions of a model, lowest first. */
  versions(modelName: string): string[] {
    return this.#models.get(modelName)?.loadedVersions() ?? [];
  }

  /**
   * Open with at least one version loaded: of `modelName` when given (the model the stream scores,
   * so a worker whose only loaded model is another one is not reported ready), else of any model.
   */
  isReady(modelName?: string): boolean {
    if (this.#state !== 'open') return false;
    if (modelName !== undefined) return (this.#models.get(modelName)?.versions.size ?? 0) > 0;
    return [...this.#models.values()].some((m) => m.versions.size > 0);
  }

  list(): ModelStatus[] {
    return [...this.#models.keys()].sort().map((name) => this.status(name) as ModelStatus);
  }

  status(name: string): ModelStatus | undefined {
    const m = this.#models.get(name);
    return m && modelStatus(m);
  }

  /** Loads (or reloads) `<root>/<name>/<version>`; throws the load error, leaving what serves unchanged. */
  async loadVersion(name: string, version: string): Promise<VersionStatus> {
    this.#assertOpen();
    if (!isVersionPath(name, version)) {
      throw modelErrors.create(
        'TW_MODEL_VERSION_NOT_FOUND',
        `${JSON.stringify(name)}/${JSON.stringify(version)} is not a model version name`,
      );
    }
    const dir = join(this.opts.root, name, version);
    const isDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw modelErrors.create('TW_MODEL_VERSION_NOT_FOUND', `model directory ${dir} does not exist`, { details: { dir } });
    const v: VersionDir = { name, version, dir, fingerprint: await versionFingerprint(dir) };
    this.#watcher.markApplied(v);
    await this.#serial(() => this.#load(v));
    return this.status(name)?.versions.find((s) => s.version === version) as VersionStatus;
  }

  /** Takes a loaded version out of service; it is closed once its last lease is released. */
  async unloadVersion(name: string, version: string): Promise<void> {
    this.#assertOpen();
    await this.#serial(async () => {
      if (!this.#models.get(name)?.versions.has(version)) {
        throw modelErrors.create('TW_MODEL_VERSION_NOT_FOUND', `model ${name} version ${version} is not loaded`);
      }
      this.#unload(name, version);
    });
  }

  /**
   * Makes a loaded version the primary (it stops being the canary or a shadow) by rewriting
   * policy.json: see setPolicy.
   */
  async promote(name: string, version: string, opts: PolicyChangeOptions = {}): Promise<PolicyChange> {
    // Built on the policy.json current when the lock is held, not on what this replica applied:
    // a change another replica wrote a moment ago is built on, not overwritten.
    return this.#writePolicy(name, opts, (base) => {
      const current = base();
      const canary = current?.canary?.version === version ? undefined : current?.canary;
      const shadows = (current?.shadows ?? []).filter((s) => s !== version);
      return parseTrafficPolicy({ primary: version, ...(canary ? { canary } : {}), shadows }, `for model ${name}`);
    });
  }

  /**
   * Replaces a model's policy.json (`undefined` removes it: the default policy). The repository is
   * the only source of truth: the file is written atomically under a lock shared by every replica
   * on the same directory, this replica applies it before answering, and the others apply it
   * through their watcher within one to two poll intervals. Every version the policy names must
   * be loaded here (else TW_MODEL_POLICY_INVALID); `ifMatch`, when given, must be the file's
   * current revision (else TW_MODEL_POLICY_CONFLICT). Nothing is written when either check fails.
   */
  async setPolicy(name: string, body: unknown, opts: PolicyChangeOptions = {}): Promise<PolicyChange> {
    const policy = body === undefined ? undefined : parseTrafficPolicy(body, `for model ${name}`);
    return this.#writePolicy(name, opts, () => policy);
  }

  async #writePolicy(
    name: string,
    opts: PolicyChangeOptions,
    next: (current: () => TrafficPolicy | undefined) => TrafficPolicy | undefined,
  ): Promise<PolicyChange> {
    this.#assertOpen();
    const modelDir = join(this.opts.root, name);
    const written = await this.#serial(async () => {
      const m = this.#models.get(name);
      if (!m || m.versions.size === 0) throw modelErrors.create('TW_MODEL_VERSION_NOT_FOUND', `model ${name} has no loaded version`);
      const file = await writePolicyFile(
        modelDir,
        (current) => {
          if (opts.ifMatch !== undefined && opts.ifMatch !== current.revision) {
            throw modelErrors.create(
              'TW_MODEL_POLICY_CONFLICT',
              `policy of model ${name} is at revision ${current.revision}, not ${opts.ifMatch}: read it again and retry`,
              { details: { model: name, revision: current.revision } },
            );
          }
          // Parsed only when the change builds on it (promote): a PUT may replace a file that is not valid.
          const base = () => (current.text === undefined ? undefined : parseTrafficPolicyText(current.text, join(modelDir, POLICY_FILE)));
          const policy = next(base);
          const named = policy ? [policy.primary, policy.canary?.version, ...policy.shadows] : [];
          const unknown = named.filter((v): v is string => v !== undefined && !m.versions.has(v));
          if (unknown.length > 0) {
            throw modelErrors.create(
              'TW_MODEL_POLICY_INVALID',
              `policy for model ${name} names versions that are not loaded: ${unknown.join(', ')}`,
            );
          }
          return policy === undefined ? undefined : `${JSON.stringify(policy, null, 2)}\n`;
        },
        this.opts.policyWrites,
      );
      // Applied here at once; the watcher is told, so it does not apply the same file again.
      this.#watcher.markPolicyApplied(name, file.text);
      this.#applyPolicyFile(name, file.text);
      return file;
    });
    this.opts.logger.info({ model: name, revision: written.revision }, 'traffic policy written through the admin API');
    return { revision: written.revision, model: this.status(name) as ModelStatus };
  }

  /** Takes a version out of service; close() waits for it until its session is closed. */
  #retire(v: ServedVersion): void {
    const closed = v.retire();
    this.#retiring.add(closed);
    void closed.finally(() => this.#retiring.delete(closed));
  }

  #assertOpen(): void {
    if (this.#state === 'closed') throw modelErrors.create('TW_MODEL_REPOSITORY_CLOSED', 'the model repository is closed');
  }

  #serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task, task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #routes(name: string): ModelRoutes {
    let m = this.#models.get(name);
    if (!m) this.#models.set(name, (m = new ModelRoutes(name)));
    return m;
  }

  async #load(v: VersionDir): Promise<void> {
    const { name, version, dir } = v;
    const log = this.opts.logger.child({ model: name, version });
    let model: LoadedModel | undefined;
    try {
      model = await loadOnnxModel(dir, this.opts.session);
      const m = model.manifest;
      if (m.name !== name || m.version !== version) {
        throw modelErrors.create(
          'TW_MODEL_LOAD_FAILED',
          `manifest of ${dir} describes ${m.name}/${m.version}; it must match its directory`,
        );
      }
    } catch (err) {
      await model?.close();
      const code = errorCode(err, 'TW_MODEL_LOAD_FAILED');
      const message = err instanceof Error ? err.message : String(err);
      this.#routes(name).failures.set(version, { code, message, at: this.#now() });
      this.#loadFailures.inc({ model: name, code });
      const serving = this.#models.get(name)?.route?.primary;
      log.error({ err, code, serving }, 'model version rejected; the versions already loaded keep serving');
      throw err;
    }
    if (this.#state === 'closed') {
      await model.close();
      return;
    }
    const m = this.#routes(name);
    const previous = m.versions.get(version);
    m.versions.set(version, new ServedVersion(model, v.fingerprint, this.#now(), this.opts.logger, this.opts.onModelClosed));
    m.failures.delete(version);
    m.recompute();
    // Retired after the swap: leases taken from now on get the new session, old ones finish on the old.
    if (previous) this.#retire(previous);
    log.info({ reloaded: previous !== undefined, route: m.route }, 'model version loaded');
  }

  #unload(name: string, version: string): void {
    const m = this.#models.get(name);
    const v = m?.versions.get(version);
    m?.failures.delete(version);
    if (!m || !v) return;
    m.versions.delete(version);
    m.recompute();
    this.#retire(v);
    this.opts.logger.info({ model: name, version, leases: v.leases, route: m.route }, 'model version unloaded');
  }

  #applyPolicyFile(name: string, text: string | undefined): void {
    const m = this.#routes(name);
    const source = join(this.opts.root, name, POLICY_FILE);
    try {
      m.policy = text === undefined ? undefined : parseTrafficPolicyText(text, source);
    } catch (err) {
      this.#loadFailures.inc({ model: name, code: errorCode(err, 'TW_MODEL_POLICY_INVALID') });
      this.opts.logger.error({ err, model: name, route: m.route }, 'traffic policy rejected; the current one stays');
      return;
    }
    m.policySource = m.policy ? 'file' : 'default';
    m.policyRevision = policyRevision(text);
    m.recompute();
    if (m.missing.length > 0)
      this.opts.logger.warn({ model: name, missing: m.missing }, 'traffic policy names versions that are not loaded');
    this.opts.logger.info({ model: name, policy: m.policy, revision: m.policyRevision, route: m.route }, 'traffic policy applied');
  }
}
