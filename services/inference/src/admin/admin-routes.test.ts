import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLogger } from '@tidewater/logging';
import { createApiServer, createMetricsRegistry } from '@tidewater/ops-server';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildTestOnnx, logitOf, writeTestModel } from '../../test/onnx-test-models.js';
import { ModelRepository } from '../repository/index.js';
import { registerAdminRoutes } from './admin-routes.js';
import { inferenceApiScopes } from './api-scopes.js';

const logger = createLogger({ service: 'inference-test', level: 'silent' });
let root: string;
let repo: ModelRepository;
let app: FastifyInstance;

async function setup(token?: string): Promise<void> {
  repo = new ModelRepository({ root, logger, pollIntervalMs: 0 });
  await repo.open();
  // With a token, the API server main.ts builds, whose scopes take the admin token on /admin/.
  app =
    token === undefined
      ? Fastify({ logger: false })
      : createApiServer({
          registry: createMetricsRegistry('inference-test'),
          logger,
          realm: 'tidewater-inference',
          scopes: inferenceApiScopes({ ADMIN_TOKEN: token, ADMIN_TOKEN_FILE: undefined, OIP_TOKEN_FILE: undefined }, {}).admin,
        });
  registerAdminRoutes(app, repo);
  await app.ready();
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'tw-admin-'));
  await writeTestModel(root, 'fraud', '1', buildTestOnnx({ bias: logitOf(0.1) }));
});
afterEach(async () => {
  await app.close();
  await repo.close();
  await rm(root, { recursive: true, force: true });
});

async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) {
  const res = await app.inject({ method, url, ...(payload ? { payload } : {}) });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

describe('admin API', () => {
  it('lists models, loads a new version, promotes it, sets a canary policy and resets it', async () => {
    await setup();
    expect(await call('GET', '/admin/models')).toEqual({
      status: 200,
      body: {
        models: [
          {
            name: 'fraud',
            policySource: 'default',
            policyRevision: 'none',
            route: { primary: '1', shadows: [] },
            missing: [],
            versions: [{ version: '1', state: 'loaded', loadedAt: expect.any(String), leases: 0 }],
          },
        ],
      },
    });
    await writeTestModel(root, 'fraud', '2', buildTestOnnx({ bias: logitOf(0.2) }));
    const loaded = await call('POST', '/admin/models/fraud/versions/2/load');
    expect(loaded).toMatchObject({ status: 200, body: { version: { version: '2', state: 'loaded' }, model: { route: { primary: '2' } } } });

    await call('PUT', '/admin/models/fraud/policy', { primary: '1', canary: { version: '2', percent: 25 } });
    expect((await call('GET', '/admin/models/fraud')).body).toMatchObject({
      policySource: 'file',
      route: { primary: '1', canary: { version: '2', percent: 25 }, shadows: [] },
    });
    expect(await call('POST', '/admin/models/fraud/promote', { version: '2' })).toMatchObject({
      status: 200,
      body: { route: { primary: '2', shadows: [] }, policy: { primary: '2', shadows: [] } },
    });
    expect(await call('DELETE', '/admin/models/fraud/policy')).toMatchObject({ status: 200, body: { policySource: 'default' } });
    expect(await call('POST', '/admin/models/fraud/versions/1/unload')).toMatchObject({
      status: 200,
      body: { route: { primary: '2' }, versions: [{ version: '2' }] },
    });
  });

  it('answers 422 with the load error for an invalid version, and the serving version stays', async () => {
    await setup();
    await writeTestModel(root, 'fraud', '2', buildTestOnnx({ inputName: 'input' }));
    const res = await call('POST', '/admin/models/fraud/versions/2/load');
    expect(res).toMatchObject({ status: 422, body: { code: 'TW_MODEL_SIGNATURE_MISMATCH', message: expect.stringContaining('input') } });
    expect((await call('GET', '/admin/models/fraud')).body).toMatchObject({
      route: { primary: '1' },
      versions: [
        { version: '1', state: 'loaded' },
        { version: '2', state: 'failed', error: { code: 'TW_MODEL_SIGNATURE_MISMATCH' } },
      ],
    });
  });

  it('answers 404 for unknown models and versions, 400 for invalid policies and promote bodies', async () => {
    await setup();
    expect(await call('GET', '/admin/models/nope')).toMatchObject({ status: 404, body: { code: 'TW_MODEL_VERSION_NOT_FOUND' } });
    expect(await call('POST', '/admin/models/fraud/versions/7/load')).toMatchObject({
      status: 404,
      body: { code: 'TW_MODEL_VERSION_NOT_FOUND' },
    });
    expect(await call('POST', '/admin/models/fraud/versions/7/unload')).toMatchObject({ status: 404 });
    expect(await call('POST', '/admin/models/nope/promote', { version: '1' })).toMatchObject({ status: 404 });
    expect(await call('POST', '/admin/models/fraud/promote', { version: '7' })).toMatchObject({
      status: 400,
      body: { code: 'TW_MODEL_POLICY_INVALID', message: expect.stringContaining('not loaded: 7') },
    });
    expect(await call('POST', '/admin/models/fraud/promote', { v: '1' })).toMatchObject({ status: 400 });
    expect(await call('PUT', '/admin/models/fraud/policy', { canary: { version: '1', percent: 150 } })).toMatchObject({
      status: 400,
      body: { code: 'TW_MODEL_POLICY_INVALID', message: expect.stringContaining('percent') },
    });
    // A PUT without a body is refused, not taken as an empty policy (resetting is DELETE).
    expect(await call('PUT', '/admin/models/fraud/policy')).toMatchObject({ status: 400, body: { code: 'TW_MODEL_POLICY_INVALID' } });
    expect((await call('GET', '/admin/models/fraud')).body).toMatchObject({ policySource: 'default', route: { primary: '1' } });
  });

  it('writes policy.json with an ETag, and answers 409 to a stale If-Match leaving the file as it was', async () => {
    await setup();
    await writeTestModel(root, 'fraud', '2', buildTestOnnx({ bias: logitOf(0.2) }));
    await call('POST', '/admin/models/fraud/versions/2/load');
    const got = await app.inject({ url: '/admin/models/fraud' });
    expect(got.headers.etag).toBe('"none"');
    const put = await app.inject({
      method: 'PUT',
      url: '/admin/models/fraud/policy',
      headers: { 'if-match': '"none"' },
      payload: { primary: '1', canary: { version: '2', percent: 25 } },
    });
    const revision = (put.json() as { policyRevision: string }).policyRevision;
    expect([put.statusCode, put.headers.etag]).toEqual([200, `"${revision}"`]);
    const file = await readFile(join(root, 'fraud', 'policy.json'), 'utf8');
    expect(JSON.parse(file)).toEqual({ primary: '1', canary: { version: '2', percent: 25 }, shadows: [] });

    const stale = await app.inject({
      method: 'POST',
      url: '/admin/models/fraud/promote',
      headers: { 'if-match': 'W/"none"' },
      payload: { version: '2' },
    });
    expect([stale.statusCode, stale.json()]).toEqual([
      409,
      { code: 'TW_MODEL_POLICY_CONFLICT', message: expect.stringContaining(`revision ${revision}, not none`) },
    ]);
    expect(await readFile(join(root, 'fraud', 'policy.json'), 'utf8')).toBe(file);
    const fresh = await app.inject({
      method: 'POST',
      url: '/admin/models/fraud/promote',
      headers: { 'if-match': `"${revision}"` },
      payload: { version: '2' },
    });
    expect(fresh.json()).toMatchObject({ policySource: 'file', route: { primary: '2', shadows: [] } });
  });

  it('requires the bearer token when one is configured', async () => {
    const token = 's3cret-admin-token-0001';
    await setup(token);
    const none = await app.inject({ url: '/admin/models' });
    expect([none.statusCode, none.headers['www-authenticate']]).toEqual([401, 'Bearer realm="tidewater-inference"']);
    for (const authorization of ['Bearer nope', `Bearer ${token.slice(0, -1)}`, `Bearer ${token}x`]) {
      const wrong = await app.inject({ url: '/admin/models', headers: { authorization } });
      expect([wrong.statusCode, wrong.headers['www-authenticate']], authorization).toEqual([
        401,
        'Bearer realm="tidewater-inference", error="invalid_token"',
      ]);
    }
    for (const authorization of [token, `Bearer ${token} x`, `Basic ${token}`])
      expect((await app.inject({ url: '/admin/models', headers: { authorization } })).statusCode, authorization).toBe(401);
    expect((await app.inject({ method: 'POST', url: '/admin/models/fraud/versions/1/unload' })).statusCode).toBe(401);
    expect(repo.versions('fraud')).toEqual(['1']);
    for (const authorization of [`Bearer ${token}`, `bearer ${token}`]) {
      const right = await app.inject({ url: '/admin/models', headers: { authorization } });
      expect(right.statusCode, authorization).toBe(200);
    }
  });
});
