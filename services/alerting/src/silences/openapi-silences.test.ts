import { readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { emptySilenceStore } from '../../test/empty-silence-store.js';
import { registerSilenceRoutes, silenceRoutes } from './silence-routes.js';

const specPath = new URL('../../openapi-silences.yaml', import.meta.url);
const httpMethods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function loadSpec(): Record<string, unknown> {
  const spec: unknown = parse(readFileSync(specPath, 'utf8'));
  if (!isRecord(spec)) throw new Error('openapi-silences.yaml is not a mapping');
  return spec;
}

/** `METHOD /path/:param` for every operation of the document. */
function documentedRoutes(spec: Record<string, unknown>): string[] {
  const paths = isRecord(spec['paths']) ? spec['paths'] : {};
  return Object.entries(paths).flatMap(([path, item]) =>
    Object.keys(isRecord(item) ? item : {})
      .filter((k) => httpMethods.includes(k))
      .map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
  );
}

/** Every `$ref` value anywhere in the document. */
function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (!isRecord(node)) return [];
  return Object.entries(node).flatMap(([k, v]) => (k === '$ref' && typeof v === 'string' ? [v] : refsIn(v)));
}

describe('openapi-silences.yaml', () => {
  it('parses as an OpenAPI 3 document whose references all resolve', () => {
    const spec = loadSpec();
    expect(String(spec['openapi'])).toMatch(/^3\./);
    for (const ref of refsIn(spec)) {
      const target = ref
        .replace(/^#\//, '')
        .split('/')
        .reduce<unknown>((node, key) => (isRecord(node) ? node[key] : undefined), spec);
      expect(target, ref).toBeDefined();
    }
  });

  it('puts every operation behind the bearerAuth security scheme (issue 17)', () => {
    const spec = loadSpec();
    expect(spec['security']).toEqual([{ bearerAuth: [] }]);
    expect(spec['components']).toMatchObject({ securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } });
  });

  it('documents exactly the routes registerSilenceRoutes registers', async () => {
    const app = Fastify();
    const registered: string[] = [];
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const m of methods) if (m !== 'HEAD') registered.push(`${m} ${route.url}`);
    });
    // Registration does not touch the store.
    registerSilenceRoutes(app, { store: emptySilenceStore() });
    await app.ready();
    await app.close();

    const documented = documentedRoutes(loadSpec()).sort();
    expect(registered.sort()).toEqual(documented);
    expect(silenceRoutes.map((r) => `${r.method} ${r.url}`).sort()).toEqual(documented);
  });
});
