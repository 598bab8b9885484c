import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createApiServer } from './api-server.js';
import { bearerVerifier } from './bearer-auth.js';
import { createMetricsRegistry } from './metrics-registry.js';
import { createOpsServer } from './ops-server.js';

const logger = pino({ level: 'silent' });
const adminToken = 'admin-token-0123456789';
const clientToken = 'client-token-0123456789';

function server() {
  const registry = createMetricsRegistry('svc');
  const app = createApiServer({
    registry,
    logger,
    realm: 'tidewater-test',
    scopes: [
      { prefix: '/admin/', auth: { mode: 'bearer', tokens: [adminToken], source: 'ADMIN_TOKEN_FILE' } },
      { prefix: '/v2', auth: { mode: 'bearer', tokens: [clientToken, adminToken], source: 'OIP_TOKEN_FILE' } },
    ],
  });
  app.get('/admin/models', async () => ({ models: [] }));
  app.get('/v2/health/live', async () => ({ live: true }));
  return { app, registry };
}

describe('API server', () => {
  it('answers 401 with a Bearer challenge without a token, and with invalid_token for a wrong one', async () => {
    const { app } = server();
    const none = await app.inject('/admin/models');
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="tidewater-test"');
    expect(none.json()).toMatchObject({ code: 'TW_HTTP_UNAUTHORIZED' });
    const wrong = await app.inject({ url: '/admin/models', headers: { authorization: `Bearer ${adminToken}x` } });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Bearer realm="tidewater-test", error="invalid_token"');
    expect(wrong.json()).toMatchObject({ code: 'TW_HTTP_TOKEN_INVALID' });
    const basic = await app.inject({ url: '/admin/models', headers: { authorization: `Basic ${adminToken}` } });
    expect(basic.statusCode).toBe(401);
  });

  it('serves a scope to its own tokens only', async () => {
    const { app } = server();
    const ok = await app.inject({ url: '/admin/models', headers: { authorization: `bearer ${adminToken}` } });
    expect(ok.statusCode).toBe(200);
    const client = await app.inject({ url: '/admin/models', headers: { authorization: `Bearer ${clientToken}` } });
    expect(client.statusCode).toBe(401);
    const oip = await app.inject({ url: '/v2/health/live', headers: { authorization: `Bearer ${clientToken}` } });
    expect(oip.statusCode).toBe(200);
  });

  it('checks the token before routing: unknown paths and wrong methods answer 401, not 404 or 405', async () => {
    const { app } = server();
    expect((await app.inject('/nowhere')).statusCode).toBe(401);
    expect((await app.inject({ method: 'DELETE', url: '/admin/models' })).statusCode).toBe(401);
    const authorized = { authorization: `Bearer ${adminToken}` };
    expect((await app.inject({ url: '/nowhere', headers: authorized })).statusCode).toBe(404);
    const wrongMethod = await app.inject({ method: 'DELETE', url: '/admin/models', headers: authorized });
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers['allow']).toBe('GET, HEAD');
  });

  it('runs an open scope unchecked', async () => {
    const app = createApiServer({
      registry: createMetricsRegistry('svc'),
      logger,
      realm: 'r',
      scopes: [{ prefix: '/', auth: { mode: 'open', reason: 'dev' } }],
    });
    app.get('/admin/models', async () => ({ models: [] }));
    expect((await app.inject('/admin/models')).statusCode).toBe(200);
  });

  it('shares the request histogram with the ops server of the same registry, which needs no token', async () => {
    const { app, registry } = server();
    const ops = createOpsServer({ registry, readiness: {}, logger });
    await app.inject('/admin/models');
    const metrics = await ops.app.inject('/metrics');
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).toMatch(/tw_http_request_duration_seconds_count\{[^}]*route="\/admin\/models"[^}]*status_code="401"[^}]*\} 1/);
  });
});

describe('bearerVerifier', () => {
  it('tells missing from wrong, accepting any configured token', () => {
    const verify = bearerVerifier(['first-token-0000000', 'second-token-000000']);
    expect(verify(undefined)).toBe('missing');
    expect(verify('Bearer')).toBe('missing');
    expect(verify('Bearer second-token-000000')).toBe('ok');
    expect(verify('BEARER first-token-0000000')).toBe('ok');
    expect(verify('Bearer first-token-000000')).toBe('invalid');
  });
});
