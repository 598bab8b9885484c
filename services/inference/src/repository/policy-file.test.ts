import { mkdir, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@tidewater/logging';
import { waitFor } from '@tidewater/test-support';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestOnnx, logitOf, writeTestModel } from '../../test/onnx-test-models.js';
import { ModelRepository } from './model-repository.js';
import { NO_POLICY_REVISION, policyRevision, policyWriteError, readPolicyFile, writePolicyFile } from './policy-file.js';

const logger = createLogger({ service: 'inference-test', level: 'silent' });
let root: string;
let modelDir: string;
const opened: ModelRepository[] = [];

async function openRepository(pollIntervalMs = 0): Promise<ModelRepository> {
  const repo = new ModelRepository({ root, logger, pollIntervalMs, policyWrites: { lockWaitMs: 100 } });
  opened.push(repo);
  await repo.open();
  return repo;
}

/** The policy file's bytes and inode/mtime: what "untouched" means. */
async function fileState(): Promise<string> {
  const path = join(modelDir, 'policy.json');
  const s = await stat(path);
  return `${await readFile(path, 'utf8')}|${s.ino}|${s.mtimeMs}`;
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tw-policy-file-'));
  modelDir = join(root, 'fraud');
  for (const v of ['1', '2']) await writeTestModel(root, 'fraud', v, buildTestOnnx({ bias: logitOf(Number(v) / 10) }));
});
afterEach(async () => {
  for (const repo of opened.splice(0)) await repo.close();
  await rm(root, { recursive: true, force: true });
});

describe('writePolicyFile', () => {
  it('replaces policy.json by rename, leaving no temp or lock file, and reports the revision of the bytes', async () => {
    expect(await readPolicyFile(modelDir)).toEqual({ text: undefined, revision: NO_POLICY_REVISION });
    const first = await writePolicyFile(modelDir, () => '{"primary": "1"}');
    expect(first).toEqual({ text: '{"primary": "1"}', revision: policyRevision('{"primary": "1"}') });
    expect(first.revision).toMatch(/^[0-9a-f]{16}$/);
    const inode = (await stat(join(modelDir, 'policy.json'))).ino;
    const second = await writePolicyFile(modelDir, (current) => {
      expect(current).toEqual(first);
      return '{"primary": "2"}';
    });
    expect(await readPolicyFile(modelDir)).toEqual(second);
    // A new inode: the file was renamed over, not rewritten in place, so no reader sees it half written.
    expect((await stat(join(modelDir, 'policy.json'))).ino).not.toBe(inode);
    expect((await readdir(modelDir)).sort()).toEqual(['1', '2', 'policy.json']);
    expect(await writePolicyFile(modelDir, () => undefined)).toEqual({ text: undefined, revision: NO_POLICY_REVISION });
    expect((await readdir(modelDir)).sort()).toEqual(['1', '2']);
  });

  it('never lets a reader see a torn file while writers replace it', async () => {
    // Large enough that a write in place would be observable in pieces.
    const texts = ['a', 'b', 'c'].map((c) => JSON.stringify({ primary: '1', pad: c.repeat(200_000) }));
    let writing = true;
    const reads: string[] = [];
    const reader = (async () => {
      while (writing) reads.push((await readPolicyFile(modelDir)).text ?? '');
    })();
    for (let i = 0; i < 30; i++) await writePolicyFile(modelDir, () => texts[i % texts.length]);
    writing = false;
    await reader;
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.filter((r) => r !== '' && !texts.includes(r))).toEqual([]);
  });

  it('leaves the file untouched when the change throws', async () => {
    await writePolicyFile(modelDir, () => '{"primary": "1"}');
    const before = await fileState();
    await expect(
      writePolicyFile(modelDir, () => {
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(await fileState()).toBe(before);
    expect((await readdir(modelDir)).sort()).toEqual(['1', '2', 'policy.json']);
  });

  it('waits for a held lock, answers TW_MODEL_POLICY_CONFLICT past the wait, and breaks a stale lock', async () => {
    const lock = join(modelDir, '.policy.json.lock');
    await writeFile(lock, '');
    await expect(writePolicyFile(modelDir, () => '{}', { lockWaitMs: 50 })).rejects.toMatchObject({ code: 'TW_MODEL_POLICY_CONFLICT' });
    expect((await readPolicyFile(modelDir)).text).toBeUndefined();
    // A writer that crashed while holding it: older than staleLockMs.
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    expect((await writePolicyFile(modelDir, () => '{}', { lockWaitMs: 50, staleLockMs: 10_000 })).text).toBe('{}');
    expect((await readdir(modelDir)).includes('.policy.json.lock')).toBe(false);
  });

  it('maps a repository the process cannot write to TW_MODEL_POLICY_READONLY, and other errors through', () => {
    for (const code of ['EROFS', 'EACCES', 'EPERM']) {
      const err = Object.assign(new Error(code), { code });
      expect(policyWriteError(err, '/models/fraud/.policy.json.lock')).toMatchObject({
        code: 'TW_MODEL_POLICY_READONLY',
        cause: err,
        message: expect.stringContaining(code),
      });
    }
    const full = Object.assign(new Error('no space'), { code: 'ENOSPC' });
    expect(policyWriteError(full, '/x')).toBe(full);
  });
});

describe('admin policy changes through the repository', () => {
  it('write policy.json, apply it here at once, and show its revision', async () => {
    const repo = await openRepository();
    const change = await repo.setPolicy('fraud', { primary: '1', canary: { version: '2', percent: 25 } });
    const onDisk = await readPolicyFile(modelDir);
    expect(JSON.parse(onDisk.text ?? '')).toEqual({ primary: '1', canary: { version: '2', percent: 25 }, shadows: [] });
    expect(change.revision).toBe(onDisk.revision);
    expect(change.model).toMatchObject({ policySource: 'file', policyRevision: onDisk.revision, route: { canary: { percent: 25 } } });
    const reset = await repo.setPolicy('fraud', undefined);
    expect(reset).toMatchObject({ revision: NO_POLICY_REVISION, model: { policySource: 'default', route: { primary: '2' } } });
    expect((await readPolicyFile(modelDir)).text).toBeUndefined();
  });

  it('refuse a stale If-Match revision with TW_MODEL_POLICY_CONFLICT and leave the file untouched', async () => {
    const repo = await openRepository();
    const first = await repo.setPolicy('fraud', { primary: '1' });
    const second = await repo.setPolicy('fraud', { primary: '2' }, { ifMatch: first.revision });
    const before = await fileState();
    await expect(repo.promote('fraud', '1', { ifMatch: first.revision })).rejects.toMatchObject({
      code: 'TW_MODEL_POLICY_CONFLICT',
      details: { revision: second.revision },
    });
    await expect(repo.setPolicy('fraud', undefined, { ifMatch: NO_POLICY_REVISION })).rejects.toMatchObject({
      code: 'TW_MODEL_POLICY_CONFLICT',
    });
    expect(await fileState()).toBe(before);
    expect(repo.status('fraud')).toMatchObject({ policyRevision: second.revision, route: { primary: '2' } });
  });

  it('let exactly one of two replicas win a compare-and-swap on the same revision', async () => {
    const [a, b] = [await openRepository(), await openRepository()];
    const base = await a.setPolicy('fraud', { primary: '1' });
    const results = await Promise.allSettled([
      a.setPolicy('fraud', { primary: '1', canary: { version: '2', percent: 10 } }, { ifMatch: base.revision }),
      b.setPolicy('fraud', { primary: '2' }, { ifMatch: base.revision }),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const lost = results.find((r) => r.status === 'rejected');
    expect(lost?.reason).toMatchObject({ code: 'TW_MODEL_POLICY_CONFLICT' });
    const won = results.find((r) => r.status === 'fulfilled');
    expect((await readPolicyFile(modelDir)).revision).toBe(won?.value.revision);
  });

  it('leave the file untouched when the policy fails validation or names a version not loaded here', async () => {
    const repo = await openRepository();
    await repo.setPolicy('fraud', { primary: '1' });
    const before = await fileState();
    await expect(repo.setPolicy('fraud', { canary: { version: '2', percent: 150 } })).rejects.toMatchObject({
      code: 'TW_MODEL_POLICY_INVALID',
    });
    await expect(repo.setPolicy('fraud', { primary: '9' })).rejects.toMatchObject({ code: 'TW_MODEL_POLICY_INVALID' });
    await expect(repo.promote('fraud', '9')).rejects.toMatchObject({ code: 'TW_MODEL_POLICY_INVALID' });
    expect(await fileState()).toBe(before);
    expect((await readdir(modelDir)).sort()).toEqual(['1', '2', 'policy.json']);
  });

  it('build promote on the file as another replica left it, and reach a watching replica', async () => {
    const writer = await openRepository();
    const watching = await openRepository(10);
    await writer.setPolicy('fraud', { primary: '1', shadows: ['2'] });
    // A second writer with an older view: promote still builds on the file (the shadow is dropped
    // because it is promoted, not because the writer did not know of it).
    const other = await openRepository();
    const promoted = await other.promote('fraud', '2');
    expect(promoted.model.policy).toEqual({ primary: '2', shadows: [] });
    const seen = await waitFor(() => watching.status('fraud')?.policyRevision === promoted.revision && watching.status('fraud'), {
      timeoutMs: 5000,
      what: 'the watching replica to apply the promoted policy',
    });
    expect(seen).toMatchObject({ policySource: 'file', route: { primary: '2', shadows: [] } });
  });

  it('replace a policy.json that is not valid with PUT, while promote refuses to build on it', async () => {
    await mkdir(modelDir, { recursive: true });
    await writeFile(join(modelDir, 'policy.json'), '{ not json');
    const repo = await openRepository();
    await expect(repo.promote('fraud', '2')).rejects.toMatchObject({ code: 'TW_MODEL_POLICY_INVALID' });
    expect((await repo.setPolicy('fraud', { primary: '2' })).model.route).toEqual({ primary: '2', shadows: [] });
  });
});
