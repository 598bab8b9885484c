// `npm run sbom` (deploy/docker/sbom.ts): npm's CycloneDX document narrowed to what the image's
// `npm prune --omit=dev` keeps. A tools test because it runs npm (>= 10, for `npm sbom`), on the
// lockfile only: no network, no node_modules read.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { repoRoot } from '@tidewater/schemas';
import { beforeAll, describe, expect, it } from 'vitest';
import { imageSbom, narrowBom, productionPackages, type CycloneDxBom } from './sbom.js';

const lockText = readFileSync(join(repoRoot, 'package-lock.json'), 'utf8');
const componentSchema = z.looseObject({
  'bom-ref': z.string().min(1),
  type: z.enum(['application', 'framework', 'library', 'container', 'platform', 'operating-system', 'device', 'firmware', 'file']),
  name: z.string().min(1),
  version: z.string().min(1),
  purl: z.string().startsWith('pkg:npm/'),
});

describe('productionPackages and narrowBom', () => {
  it('keep what the prune keeps, by name and version, and only dependencies between kept components', () => {
    const lock = JSON.stringify({
      packages: {
        '': { name: 'root' },
        'libs/a': { name: '@tw/a', version: '1.0.0' },
        'node_modules/x': { version: '1.0.0' },
        'node_modules/@s/y': { version: '2.0.0', dev: true },
        'node_modules/x/node_modules/@s/y': { version: '3.0.0' },
      },
    });
    expect([...productionPackages(lock)].sort()).toEqual(['@s/y@3.0.0', '@tw/a@1.0.0', 'x@1.0.0']);
    const bom: CycloneDxBom = {
      bomFormat: 'CycloneDX',
      specVersion: '1.5',
      metadata: { component: { 'bom-ref': 'root@0', name: 'root' } },
      components: [
        { 'bom-ref': 'x@1.0.0', name: 'x', version: '1.0.0' },
        { 'bom-ref': '@s/y@2.0.0', name: 'y', group: '@s', version: '2.0.0' },
        { 'bom-ref': '@s/y@3.0.0', name: '@s/y', version: '3.0.0' },
      ],
      dependencies: [
        { ref: 'root@0', dependsOn: ['x@1.0.0', '@s/y@2.0.0'] },
        { ref: '@s/y@2.0.0', dependsOn: [] },
        { ref: 'x@1.0.0', dependsOn: ['@s/y@3.0.0'] },
      ],
    };
    const narrowed = narrowBom(bom, productionPackages(lock));
    expect(narrowed.components.map((c) => c['bom-ref'])).toEqual(['x@1.0.0', '@s/y@3.0.0']);
    expect(narrowed.dependencies).toEqual([
      { ref: 'root@0', dependsOn: ['x@1.0.0'] },
      { ref: 'x@1.0.0', dependsOn: ['@s/y@3.0.0'] },
    ]);
  });
});

describe('npm run sbom', () => {
  let bom: CycloneDxBom;
  let names: Set<string>;
  beforeAll(() => {
    bom = imageSbom();
    names = new Set(bom.components.map((c) => (typeof c['group'] === 'string' && c['group'] ? `${c['group']}/${c.name}` : c.name)));
  }, 120_000);

  it('is a CycloneDX 1.5+ JSON document with a serial number, a timestamp and npm as its tool', () => {
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(Number(bom.specVersion)).toBeGreaterThanOrEqual(1.5);
    expect(bom['serialNumber']).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(bom.metadata['timestamp']).toEqual(expect.any(String));
    expect(Number.isNaN(Date.parse(String(bom.metadata['timestamp'])))).toBe(false);
    expect(JSON.stringify(bom.metadata['tools'])).toContain('npm');
  });

  it('gives every component a type, name, version, purl and a unique bom-ref; every dependency names a listed one', () => {
    for (const c of bom.components) {
      const parsed = componentSchema.safeParse(c);
      expect(parsed.success, `${c['bom-ref']}: ${parsed.success ? '' : z.prettifyError(parsed.error)}`).toBe(true);
    }
    const refs = bom.components.map((c) => c['bom-ref']);
    expect(new Set(refs).size).toBe(refs.length);
    const known = new Set([...refs, bom.metadata.component?.['bom-ref']]);
    for (const d of bom.dependencies) {
      expect(known.has(d.ref), d.ref).toBe(true);
      for (const ref of d.dependsOn ?? []) expect(known.has(ref), `${d.ref} -> ${ref}`).toBe(true);
    }
  });

  it('lists what the services run on (kafkajs, onnxruntime-node, fastify, the workspaces) and no dev-only tool', () => {
    for (const name of ['kafkajs', 'onnxruntime-node', 'fastify', 'pino', 'ioredis', 'zod', '@tidewater/kafka', '@tidewater/inference']) {
      expect(names.has(name) || names.has(name.split('/')[1] ?? ''), name).toBe(true);
    }
    for (const name of ['eslint', 'prettier', 'typescript', 'nx']) expect(names.has(name), name).toBe(false);
    const kafkajs = bom.components.find((c) => c.name === 'kafkajs');
    expect(kafkajs?.['purl']).toBe(`pkg:npm/kafkajs@${kafkajs?.version ?? ''}`);
    const kept = productionPackages(lockText);
    expect(bom.components.filter((c) => !kept.has(c['bom-ref'])).map((c) => c['bom-ref'])).toEqual([]);
  });
});
