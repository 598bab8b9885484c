import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@tidewater/logging';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '@tidewater/test-support';
import { buildTestOnnx, logitOf, writeTestModel } from '../../test/onnx-test-models.js';
import type { LoadedModel } from '../model/index.js';
import type { ModelLease } from '../model-routing.js';
import { ModelRepository } from './model-repository.js';

const logger = createLogger({ service: 'inference-test', level: 'silent' });
const WIDTH = 8;
// Version k of a test model scores every all-zero row k / 10, so a score names its version.
const versionModel = (k: number): Uint8Array => buildTestOnnx({ bias: logitOf(k / 10) });
const zeros = new Float32Array(WIDTH);

async function scoreOne(model: LoadedModel): Promise<number> {
  const [s] = await model.score(zeros, 1);
  return s as number;
}

let root: string;
let repo: ModelRepository;
let registry: Registry;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tw-repo-'));
  registry = new Registry();
});
afterEach(async () => {
  await repo?.close();
  await rm(root, { recursive: true, force: true });
});

// Versions whose session the repository closed, in order (its onModelClosed hook).
let closedModels: string[] = [];

async function openRepo(pollIntervalMs = 0): Promise<ModelRepository> {
  closedModels = [];
  repo = new ModelRepository({
    root,
    logger,
    registry,
    pollIntervalMs,
    onModelClosed: (m) => closedModels.push(`${m.manifest.name}/${m.manifest.version}`),
  });
  await repo.open();
  return repo;
}

async function servingScore(): Promise<{ version: string; score: number }> {
  const lease = repo.acquire('fraud', 'card-1');
  try {
    return { version: lease.serving.manifest.version, score: await scoreOne(lease.serving) };
  } finally {
    lease.release();
  }
}

describe('ModelRepository validation', () => {
  beforeEach(async () => {
    await writeTestModel(root, 'fraud', '1', versionModel(1));
    await openRepo();
  });

  const badModels: [string, () => Promise<unknown>, string, RegExp][] = [
    [
      'a wrong input name',
      () => writeTestModel(root, 'fraud', '2', buildTestOnnx({ inputName: 'input' })),
      'TW_MODEL_SIGNATURE_MISMATCH',
      /input/,
    ],
    [
      'a wrong input width',
      () => writeTestModel(root, 'fraud', '2', buildTestOnnx({ width: 7 })),
      'TW_MODEL_SIGNATURE_MISMATCH',
      /\[batch, 8\]/,
    ],
    [
      'a fixed batch dimension',
      () => writeTestModel(root, 'fraud', '2', buildTestOnnx({ inputDims: [1, 8] })),
      'TW_MODEL_SIGNATURE_MISMATCH',
      /fixed batch dimension/,
    ],
    [
      'a float64 input',
      () => writeTestModel(root, 'fraud', '2', buildTestOnnx({ inputType: 'float64' })),
      'TW_MODEL_SIGNATURE_MISMATCH',
      /dtype float64/,
    ],
    [
      'a float64 output',
      () => writeTestModel(root, 'fraud', '2', buildTestOnnx({ outputType: 'float64' })),
      'TW_MODEL_SIGNATURE_MISMATCH',
      /output score has dtype float64/,
    ],
    [
      'a wrong output name',
      () => writeTestModel(root, 'fraud', '2', buildTestOnnx({ outputName: 'probability' })),
      'TW_MODEL_SIGNATURE_MISMATCH',
      /probability/,
    ],
    [
      'a corrupt ONNX file with a matching sha256',
      () => writeTestModel(root, 'fraud', '2', new TextEncoder().encode('not a protobuf')),
      'TW_MODEL_LOAD_FAILED',
      /ONNX Runtime/,
    ],
    [
      'a sha256 mismatch',
      () => writeTestModel(root, 'fraud', '2', versionModel(2), (m) => ({ ...m, sha256: 'f'.repeat(64) })),
      'TW_MODEL_LOAD_FAILED',
      /sha256/,
    ],
    [
      'a manifest that fails its schema',
      () => writeTestModel(root, 'fraud', '2', versionModel(2), (m) => ({ ...m, inputs: { ...m.inputs, features: [] } })),
      'TW_MANIFEST_INVALID',
      /features/,
    ],
    [
      'a manifest of another version than its directory',
      () => writeTestModel(root, 'fraud', '2', versionModel(2), (m) => ({ ...m, version: '7' })),
      'TW_MODEL_LOAD_FAILED',
      /fraud\/7/,
    ],
  ];

  it.each(badModels)('rejects a version with %s and keeps version 1 serving', async (_case, write, code, message) => {
    await write();
    await expect(repo.loadVersion('fraud', '2')).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
    expect(await servingScore()).toEqual({ version: '1', score: expect.closeTo(0.1, 6) });
    expect(repo.versions('fraud')).toEqual(['1']);
    const status = repo.status('fraud');
    expect(status?.route).toEqual({ primary: '1', shadows: [] });
    expect(status?.versions.find((v) => v.version === '2')).toMatchObject({ state: 'failed', error: { code } });
    expect(await registry.getSingleMetricAsString('tw_inference_model_load_failures_total')).toContain(`code="${code}"`);
  });

  it('keeps the old files of a version serving when its replacement in place is broken', async () => {
    await writeTestModel(root, 'fraud', '1', buildTestOnnx({ inputType: 'float64' }));
    await expect(repo.loadVersion('fraud', '1')).rejects.toMatchObject({ code: 'TW_MODEL_SIGNATURE_MISMATCH' });
    expect(await servingScore()).toEqual({ version: '1', score: expect.closeTo(0.1, 6) });
    expect(repo.status('fraud')?.versions).toEqual([
      expect.objectContaining({ version: '1', state: 'loaded', error: expect.objectContaining({ code: 'TW_MODEL_SIGNATURE_MISMATCH' }) }),
    ]);
  });

  it('says which model has nothing loaded, retriably, and refuses an unknown version directory', async () => {
    expect(() => repo.acquire('nope', 'k')).toThrow(expect.objectContaining({ code: 'TW_MODEL_NOT_LOADED', retriable: true }));
    expect(repo.acquireVersion('fraud', '9')).toBeUndefined();
    await expect(repo.loadVersion('fraud', '9')).rejects.toMatchObject({ code: 'TW_MODEL_VERSION_NOT_FOUND' });
    // Names from the admin URL never reach outside the root.
    for (const [name, version] of [
      ['..', '1'],
      ['fraud', '..'],
      ['fraud/../fraud', '1'],
      ['fraud', '1/../1'],
    ] as const) {
      await expect(repo.loadVersion(name, version)).rejects.toMatchObject({ code: 'TW_MODEL_VERSION_NOT_FOUND' });
    }
    await expect(repo.unloadVersion('fraud', '9')).rejects.toMatchObject({ code: 'TW_MODEL_VERSION_NOT_FOUND' });
  });
});

describe('ModelRepository open and close', () => {
  it('loads every version at open, the highest as primary, and exports the loaded count', async () => {
    await writeTestModel(root, 'fraud', '2', versionModel(2));
    await writeTestModel(root, 'fraud', '10', versionModel(10 / 2));
    await writeTestModel(root, 'fraud', '3', buildTestOnnx({ width: 5 }));
    await openRepo();
    expect(repo.open()).toBe(repo.open());
    await repo.open();
    expect(repo.versions('fraud')).toEqual(['2', '10']);
    expect(await servingScore()).toEqual({ version: '10', score: expect.closeTo(0.5, 6) });
    expect(repo.isReady()).toBe(true);
    expect([repo.isReady('fraud'), repo.isReady('other')]).toEqual([true, false]);
    expect(await registry.getSingleMetricAsString('tw_inference_model_versions_loaded')).toContain(
      'tw_inference_model_versions_loaded{model="fraud"} 2',
    );
  });

  it('fails to open on a missing root', async () => {
    repo = new ModelRepository({ root: join(root, 'missing'), logger, pollIntervalMs: 0 });
    await expect(repo.open()).rejects.toMatchObject({ code: 'TW_MODEL_REPOSITORY_UNREADABLE' });
  });

  it('closes idempotently, waits for leases, then refuses to route', async () => {
    await writeTestModel(root, 'fraud', '1', versionModel(1));
    await openRepo(50);
    const lease = repo.acquire('fraud', 'card');
    const closing = repo.close();
    expect(repo.close()).toBe(closing);
    // Retriable: a batch caught by shutdown is retried on another worker, never dead-lettered.
    expect(() => repo.acquire('fraud', 'card')).toThrow(expect.objectContaining({ code: 'TW_MODEL_REPOSITORY_CLOSED', retriable: true }));
    expect(repo.isReady()).toBe(false);
    // The lease taken before close still scores on an open session.
    expect(await scoreOne(lease.serving)).toBeCloseTo(0.1, 6);
    let closed = false;
    void closing.then(() => (closed = true));
    // Sentinel: close has retired every version (what it does before waiting for leases), so all
    // that can still hold it is the lease.
    await waitFor(() => repo.versions('fraud').length === 0, { timeoutMs: 5000, what: 'close to retire fraud/1' });
    expect(closed).toBe(false);
    lease.release();
    lease.release();
    await closing;
    await expect(scoreOne(lease.serving)).rejects.toMatchObject({ code: 'TW_MODEL_CLOSED' });
  });

  it('close also waits for a version unloaded earlier whose lease is still out', async () => {
    await writeTestModel(root, 'fraud', '1', versionModel(1));
    await writeTestModel(root, 'fraud', '2', versionModel(2));
    await openRepo();
    const old = repo.acquireVersion('fraud', '1') as ModelLease;
    await repo.unloadVersion('fraud', '1');
    let closed = false;
    const closing = repo.close().then(() => (closed = true));
    // Sentinel: the unleased v2 is closed, so close is past everything but the lease on v1.
    await waitFor(() => closedModels.includes('fraud/2'), { timeoutMs: 5000, what: 'close to close fraud/2' });
    expect([closed, closedModels]).toEqual([false, ['fraud/2']]);
    expect(await scoreOne(old.serving)).toBeCloseTo(0.1, 6);
    old.release();
    await closing;
    expect(closedModels.sort()).toEqual(['fraud/1', 'fraud/2']);
  });
});

describe('ModelRepository hot swap', () => {
  it('loads v2, promotes it and unloads v1 under a tight acquire/score/release loop without a failed, lost or double-scored event', async () => {
    await writeTestModel(root, 'fraud', '1', versionModel(1));
    await writeTestModel(root, 'fraud', '2', versionModel(2));
    await openRepo();
    // v2's directory is there but only v1 serves at first: the admin loads v2 mid-stream.
    await repo.unloadVersion('fraud', '2');
    type Phase = 'before-load' | 'loading' | 'promoting' | 'after-promote';
    let phase: Phase = 'before-load';
    const scored: { event: number; version: string; score: number; phase: Phase }[] = [];
    let next = 0;
    let stop = false;
    let failures = 0;
    const worker = async (): Promise<void> => {
      while (!stop) {
        const event = next++;
        const acquiredIn = phase;
        const lease: ModelLease = repo.acquire('fraud', `card-${event % 97}`);
        try {
          scored.push({ event, version: lease.serving.manifest.version, score: await scoreOne(lease.serving), phase: acquiredIn });
        } catch {
          failures++;
        } finally {
          lease.release();
        }
      }
    };
    const eventsFrom = async (n: number): Promise<void> => {
      const target = next + n;
      while (next < target) await new Promise((r) => setImmediate(r));
    };
    const v1Lease = repo.acquireVersion('fraud', '1') as ModelLease;
    const swap = async (): Promise<void> => {
      await eventsFrom(500);
      phase = 'loading';
      await repo.loadVersion('fraud', '2');
      phase = 'promoting';
      await eventsFrom(500);
      await repo.promote('fraud', '2');
      await repo.unloadVersion('fraud', '1');
      phase = 'after-promote';
      await eventsFrom(500);
      stop = true;
    };
    await Promise.all([worker(), worker(), worker(), worker(), swap()]);
    expect(failures).toBe(0);
    // Every event taken was scored exactly once.
    expect(scored.map((s) => s.event).sort((a, b) => a - b)).toEqual(Array.from({ length: next }, (_, i) => i));
    for (const s of scored) expect(s.score).toBeCloseTo(Number(s.version) / 10, 6);
    const versionsIn = (p: Phase): Set<string> => new Set(scored.filter((s) => s.phase === p).map((s) => s.version));
    expect(versionsIn('before-load')).toEqual(new Set(['1']));
    // Loaded but not yet promoted, v2 is the highest version and so the default primary.
    expect(versionsIn('promoting')).toEqual(new Set(['2']));
    expect(versionsIn('after-promote')).toEqual(new Set(['2']));
    // v1 is unloaded but this lease still holds it open: it is closed only on release.
    expect(await scoreOne(v1Lease.serving)).toBeCloseTo(0.1, 6);
    expect(closedModels).not.toContain('fraud/1');
    v1Lease.release();
    await waitFor(() => closedModels.includes('fraud/1'), { timeoutMs: 5000, what: 'fraud/1 to close on its last release' });
    await expect(scoreOne(v1Lease.serving)).rejects.toMatchObject({ code: 'TW_MODEL_CLOSED' });
    expect(repo.versions('fraud')).toEqual(['2']);
  });

  it('keeps v1 primary while v2 is loaded next to it under a pinned policy, then switches by promote', async () => {
    await writeTestModel(root, 'fraud', '1', versionModel(1));
    await writeFile(join(root, 'fraud', 'policy.json'), JSON.stringify({ primary: '1' }));
    await openRepo();
    await writeTestModel(root, 'fraud', '2', versionModel(2));
    await repo.loadVersion('fraud', '2');
    expect((await servingScore()).version).toBe('1');
    const held = repo.acquire('fraud', 'card-1');
    await repo.promote('fraud', '2');
    expect((await servingScore()).version).toBe('2');
    // A lease taken before the promote keeps its version for the batch it serves.
    expect(held.serving.manifest.version).toBe('1');
    expect(await scoreOne(held.serving)).toBeCloseTo(0.1, 6);
    held.release();
  });
});

describe('ModelRepository watcher', () => {
  const until = async (check: () => boolean | Promise<boolean>, ms = 5000): Promise<void> => {
    await waitFor(check, { timeoutMs: ms, what: 'the watcher to apply the change' });
  };

  it('loads a new version directory, applies, rejects and removes policy.json, and unloads a removed version', async () => {
    await writeTestModel(root, 'fraud', '1', versionModel(1));
    await openRepo(40);
    await writeTestModel(root, 'fraud', '2', versionModel(2));
    await until(() => repo.versions('fraud').length === 2);
    expect(await servingScore()).toEqual({ version: '2', score: expect.closeTo(0.2, 6) });

    await writeFile(join(root, 'fraud', 'policy.json'), JSON.stringify({ primary: '1', canary: { version: '2', percent: 30 } }));
    await until(() => repo.status('fraud')?.policySource === 'file');
    expect(repo.status('fraud')?.route).toEqual({ primary: '1', canary: { version: '2', percent: 30 }, shadows: [] });

    await writeFile(join(root, 'fraud', 'policy.json'), JSON.stringify({ primary: '1', shadows: ['1'] }));
    await until(async () =>
      (await registry.getSingleMetricAsString('tw_inference_model_load_failures_total')).includes('TW_MODEL_POLICY_INVALID'),
    );
    expect(repo.status('fraud')?.route).toEqual({ primary: '1', canary: { version: '2', percent: 30 }, shadows: [] });

    await rm(join(root, 'fraud', 'policy.json'));
    await until(() => repo.status('fraud')?.policySource === 'default');
    expect(repo.status('fraud')?.route).toEqual({ primary: '2', shadows: [] });

    await rm(join(root, 'fraud', '2'), { recursive: true });
    await until(() => repo.versions('fraud').length === 1);
    expect(await servingScore()).toEqual({ version: '1', score: expect.closeTo(0.1, 6) });
  });

  it('tries an incomplete version directory once, not on every scan, and loads it once complete', async () => {
    await writeTestModel(root, 'fraud', '1', versionModel(1));
    await openRepo(30);
    const dir = await writeTestModel(root, 'fraud', '2', versionModel(2));
    const manifest = await readFile(join(dir, 'manifest.json'), 'utf8');
    await rm(join(dir, 'manifest.json'));
    await until(() => repo.status('fraud')?.versions.some((v) => v.state === 'failed') === true);
    // Sentinel: another model's version, written now, loads only once two more scans have agreed on
    // it, so at least two scans have passed the incomplete directory by then.
    await writeTestModel(root, 'sentinel', '1', versionModel(1));
    await until(() => repo.versions('sentinel').length === 1);
    const failures = await registry.getSingleMetricAsString('tw_inference_model_load_failures_total');
    expect(failures).toContain('tw_inference_model_load_failures_total{model="fraud",code="TW_MODEL_LOAD_FAILED"} 1');
    expect(await servingScore()).toEqual({ version: '1', score: expect.closeTo(0.1, 6) });
    await writeFile(join(dir, 'manifest.json'), manifest);
    await until(() => repo.versions('fraud').length === 2);
    expect(await servingScore()).toEqual({ version: '2', score: expect.closeTo(0.2, 6) });
    expect(repo.status('fraud')?.versions.every((v) => v.state === 'loaded' && v.error === undefined)).toBe(true);
  });

  it('reloads a version whose files change, and does not reload one the admin unloaded', async () => {
    await writeTestModel(root, 'fraud', '1', versionModel(1));
    await writeTestModel(root, 'fraud', '2', versionModel(2));
    await openRepo(40);
    await repo.unloadVersion('fraud', '2');
    await writeTestModel(root, 'fraud', '1', versionModel(4));
    await until(async () => (await servingScore()).score > 0.3);
    expect(await servingScore()).toEqual({ version: '1', score: expect.closeTo(0.4, 6) });
    expect(repo.versions('fraud')).toEqual(['1']);
  });
});
