import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@tidewater/logging';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestOnnx, writeTestModel } from '../../test/onnx-test-models.js';
import { scanRepository, versionFingerprint, type VersionDir } from './repository-scan.js';
import { RepositoryWatcher } from './repository-watcher.js';

const logger = createLogger({ service: 'inference-test', level: 'silent' });
let root: string;
let events: string[];
let watcher: RepositoryWatcher;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tw-watch-'));
  await writeTestModel(root, 'fraud', '1', buildTestOnnx());
  events = [];
  // Interval 0: no timer, each scan() is one step of the watcher.
  watcher = new RepositoryWatcher(
    root,
    0,
    {
      versionChanged: async (v: VersionDir) => void events.push(`changed ${v.name}/${v.version}`),
      versionRemoved: async (name, version) => void events.push(`removed ${name}/${version}`),
      policyChanged: async (name, text) => void events.push(`policy ${name} ${text ?? 'absent'}`),
    },
    logger,
  );
  watcher.start(await scanRepository(root));
});
afterEach(async () => {
  await watcher.stop();
  await rm(root, { recursive: true, force: true });
});

describe('RepositoryWatcher', () => {
  it('does not unload a version whose directory is missing from one scan only (a swap by two renames)', async () => {
    await rename(join(root, 'fraud', '1'), join(root, 'fraud', '1.old'));
    await watcher.scan();
    await rename(join(root, 'fraud', '1.old'), join(root, 'fraud', '1'));
    await watcher.scan();
    await watcher.scan();
    expect(events).toEqual([]);
  });

  it('unloads a version missing from two consecutive scans, once', async () => {
    await rm(join(root, 'fraud', '1'), { recursive: true });
    await watcher.scan();
    expect(events).toEqual([]);
    await watcher.scan();
    await watcher.scan();
    expect(events).toEqual(['removed fraud/1']);
  });

  it('reports a new version and a policy only once two scans agree on them', async () => {
    await writeTestModel(root, 'fraud', '2', buildTestOnnx());
    await writeFile(join(root, 'fraud', 'policy.json'), '{"primary":"1"}');
    await watcher.scan();
    expect(events).toEqual([]);
    await watcher.scan();
    await watcher.scan();
    expect(events).toEqual(['changed fraud/2', 'policy fraud {"primary":"1"}']);
  });

  it('follows links like a Kubernetes volume: a linked version directory is seen, a repointed file link is a change', async () => {
    // ConfigMap layout: files are links into `..data`, itself a link to a timestamped directory.
    const store = `${root}-store`;
    await writeTestModel(store, 'fraud', 'a', buildTestOnnx({ bias: 1 }));
    await writeTestModel(store, 'fraud', 'b', buildTestOnnx({ bias: 2 }));
    const version = join(root, 'fraud', '2');
    await mkdir(version);
    await symlink(join(store, 'fraud', 'a'), join(version, '..data'));
    for (const f of ['manifest.json', 'model.onnx']) await symlink(join('..data', f), join(version, f));
    const before = await versionFingerprint(version);
    expect(before).toMatch(/^manifest\.json:\d+:.*\|model\.onnx:\d+:/);
    await watcher.scan();
    await watcher.scan();
    expect(events).toEqual(['changed fraud/2']);

    await rm(join(version, '..data'));
    await symlink(join(store, 'fraud', 'b'), join(version, '..data'));
    expect(await versionFingerprint(version)).not.toBe(before);
    await watcher.scan();
    await watcher.scan();
    expect(events).toEqual(['changed fraud/2', 'changed fraud/2']);

    await symlink(version, join(root, 'fraud', '3'));
    await watcher.scan();
    await watcher.scan();
    expect(events.at(-1)).toBe('changed fraud/3');
    await rm(store, { recursive: true, force: true });
  });
});

describe('RepositoryWatcher and policies written by its own process', () => {
  it('does not settle back to the text a scan read before the admin API wrote and applied a newer one', async () => {
    const seen: string[] = [];
    const own: RepositoryWatcher = new RepositoryWatcher(
      root,
      0,
      {
        // The admin write lands while the scan is busy with a version: it writes policy.json and
        // marks it applied, as ModelRepository does.
        versionChanged: async (v) => {
          seen.push(`changed ${v.name}/${v.version}`);
          await writeFile(join(root, 'fraud', 'policy.json'), '{"primary": "2"}');
          own.markPolicyApplied('fraud', '{"primary": "2"}');
        },
        versionRemoved: async () => undefined,
        policyChanged: async (name, text) => void seen.push(`policy ${name} ${text ?? 'absent'}`),
      },
      logger,
    );
    own.start(await scanRepository(root));
    await writeFile(join(root, 'fraud', 'policy.json'), '{"primary": "1"}');
    await writeTestModel(root, 'fraud', '2', buildTestOnnx());
    await own.scan(); // both seen once: pending
    await own.scan(); // version 2 settles (the write happens); the policy text it read is now stale
    await own.scan();
    await own.stop();
    expect(seen).toEqual(['changed fraud/2']);
  });
});
