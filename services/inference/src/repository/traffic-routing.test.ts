import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@tidewater/logging';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestOnnx, logitOf, writeTestModel } from '../../test/onnx-test-models.js';
import { ModelRepository } from './model-repository.js';
import { murmur3 } from './murmur3.js';
import { canarySeed, entityBucket, parseTrafficPolicy } from './traffic-policy.js';

const logger = createLogger({ service: 'inference-test', level: 'silent' });
const ENTITIES = 10_000;
const keys = Array.from({ length: ENTITIES }, (_, i) => `card-${i.toString(36)}-${(i * 7919) % 1000}`);

let root: string;
let repo: ModelRepository;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'tw-routing-'));
  for (const v of ['1', '2', '3']) await writeTestModel(root, 'fraud', v, buildTestOnnx({ bias: logitOf(Number(v) / 10) }));
  repo = new ModelRepository({ root, logger, pollIntervalMs: 0 });
  await repo.open();
});
afterAll(async () => {
  await repo.close();
  await rm(root, { recursive: true, force: true });
});

function route(key: string): { serving: string; shadows: string[] } {
  const lease = repo.acquire('fraud', key);
  const r = { serving: lease.serving.manifest.version, shadows: lease.shadows.map((m) => m.manifest.version) };
  lease.release();
  return r;
}

describe('canary routing', () => {
  it.each([5, 10, 37.5, 50])(
    'sends %s %% of 10k entities to the canary, within 2 points, and the same entity always to the same version',
    async (percent) => {
      await repo.setPolicy('fraud', { primary: '1', canary: { version: '2', percent } });
      const first = keys.map((k) => route(k).serving);
      const share = (first.filter((v) => v === '2').length / ENTITIES) * 100;
      expect(Math.abs(share - percent)).toBeLessThanOrEqual(2);
      expect(first.every((v) => v === '1' || v === '2')).toBe(true);
      // Sticky: asking again (in any order) gives every entity the same version.
      const again = [...keys]
        .reverse()
        .map((k) => route(k).serving)
        .reverse();
      expect(again).toEqual(first);
    },
  );

  it('is deterministic across processes and only adds entities when the share grows', async () => {
    // The bucket is a pure function of model name and key (murmur3 of the key seeded by murmur3 of
    // the name): another worker, or a tool in another language, computes the same.
    expect(canarySeed('fraud')).toBe(murmur3('fraud', 0));
    expect(entityBucket(canarySeed('fraud'), 'card-42')).toBe(murmur3('card-42', murmur3('fraud', 0)) % 10_000);
    const inCanary = (k: string): boolean => entityBucket(canarySeed('fraud'), k) < 1000;
    await repo.setPolicy('fraud', { primary: '1', canary: { version: '2', percent: 10 } });
    const at10 = new Set(keys.filter((k) => route(k).serving === '2'));
    expect(keys.filter(inCanary)).toEqual([...at10]);
    await repo.setPolicy('fraud', { primary: '1', canary: { version: '2', percent: 20 } });
    const at20 = new Set(keys.filter((k) => route(k).serving === '2'));
    expect([...at10].every((k) => at20.has(k))).toBe(true);
    expect(at20.size).toBeGreaterThan(at10.size);
  });

  it('keeps a staged canary at 0 % out of traffic even without an explicit primary', async () => {
    await repo.setPolicy('fraud', { canary: { version: '3', percent: 0 } });
    expect(repo.status('fraud')?.route).toEqual({ primary: '2', shadows: [] });
    expect(new Set(keys.slice(0, 500).map((k) => route(k).serving))).toEqual(new Set(['2']));
  });

  it('routes everything to the primary at 0 %, to the canary at 100 %', async () => {
    await repo.setPolicy('fraud', { primary: '1', canary: { version: '2', percent: 0 } });
    expect(new Set(keys.slice(0, 500).map((k) => route(k).serving))).toEqual(new Set(['1']));
    await repo.setPolicy('fraud', { primary: '1', canary: { version: '2', percent: 100 } });
    expect(new Set(keys.slice(0, 500).map((k) => route(k).serving))).toEqual(new Set(['2']));
  });
});

describe('shadows', () => {
  it('come with every lease and are never the serving version', async () => {
    await repo.setPolicy('fraud', { primary: '1', canary: { version: '2', percent: 50 }, shadows: ['3'] });
    for (const k of keys.slice(0, 2000)) {
      const r = route(k);
      expect(r.shadows).toEqual(['3']);
      expect(r.shadows).not.toContain(r.serving);
    }
  });

  it('are not the default primary: without a primary the highest version that is not tried out serves', async () => {
    await repo.setPolicy('fraud', { shadows: ['3'] });
    expect(route('card-1')).toEqual({ serving: '2', shadows: ['3'] });
    expect(repo.status('fraud')?.route).toEqual({ primary: '2', shadows: ['3'] });
  });

  it('drop out of a lease when the only loaded version left is the shadow itself', async () => {
    const solo = await mkdtemp(join(tmpdir(), 'tw-routing-solo-'));
    await writeTestModel(solo, 'fraud', '1', buildTestOnnx());
    const r = new ModelRepository({ root: solo, logger, pollIntervalMs: 0 });
    await r.open();
    try {
      await r.setPolicy('fraud', { shadows: ['1'] });
      const lease = r.acquire('fraud', 'card');
      expect(lease.serving.manifest.version).toBe('1');
      expect(lease.shadows).toEqual([]);
      lease.release();
    } finally {
      await r.close();
      await rm(solo, { recursive: true, force: true });
    }
  });
});

describe('traffic policy', () => {
  it('rejects a canary that is the primary, a shadow that serves, duplicates, unknown keys and bad shares', () => {
    const bad = [
      { primary: '1', canary: { version: '1', percent: 5 } },
      { primary: '1', shadows: ['1'] },
      { canary: { version: '2', percent: 5 }, shadows: ['2'] },
      { shadows: ['3', '3'] },
      { primary: '1', weight: 3 },
      { canary: { version: '2', percent: 101 } },
      { primary: '../1' },
    ];
    for (const p of bad) expect(() => parseTrafficPolicy(p, 'test')).toThrow(expect.objectContaining({ code: 'TW_MODEL_POLICY_INVALID' }));
    expect(parseTrafficPolicy({}, 'test')).toEqual({ shadows: [] });
  });

  it('refuses through the admin path a policy naming a version that is not loaded, keeping the current one', async () => {
    await repo.setPolicy('fraud', { primary: '2' });
    await expect(repo.setPolicy('fraud', { primary: '1', canary: { version: '9', percent: 5 } })).rejects.toMatchObject({
      code: 'TW_MODEL_POLICY_INVALID',
      message: expect.stringContaining('9'),
    });
    expect(repo.status('fraud')?.route).toEqual({ primary: '2', shadows: [] });
  });

  it('promote makes a version primary and takes it out of the canary and shadows', async () => {
    await repo.setPolicy('fraud', { primary: '1', canary: { version: '2', percent: 10 }, shadows: ['3'] });
    await repo.promote('fraud', '2');
    expect(repo.status('fraud')).toMatchObject({ policySource: 'file', route: { primary: '2', shadows: ['3'] } });
    await repo.promote('fraud', '3');
    expect(repo.status('fraud')?.route).toEqual({ primary: '3', shadows: [] });
    await repo.setPolicy('fraud', undefined);
    expect(repo.status('fraud')).toMatchObject({ policySource: 'default', route: { primary: '3', shadows: [] } });
  });

  it('promote builds on a policy change queued just before it instead of overwriting it', async () => {
    await repo.setPolicy('fraud', { primary: '1' });
    // Not awaited in between: the promote runs after the shadow is added and keeps it.
    const adding = repo.setPolicy('fraud', { primary: '1', shadows: ['3'] });
    const promoting = repo.promote('fraud', '2');
    await Promise.all([adding, promoting]);
    expect(repo.status('fraud')?.route).toEqual({ primary: '2', shadows: ['3'] });
    await repo.setPolicy('fraud', undefined);
  });
});
