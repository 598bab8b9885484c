import { gunzipSync, gzipSync } from 'node:zlib';
import pino from 'pino';
import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './metrics-registry.js';
import { createOpsServer } from './ops-server.js';

const logger = pino({ level: 'silent' });

describe('ops server', () => {
  it('serves Prometheus metrics with the service label and default metrics', async () => {
    const registry = createMetricsRegistry('svc');
    new Counter({ name: 'tw_test_total', help: 'test', registers: [registry] }).inc(3);
    const { app } = createOpsServer({ registry, readiness: {}, logger });
    const res = await app.inject('/metrics');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('tw_test_total{tw_service="svc"} 3');
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });

  it('reports ready only when every check passes, naming the failing one', async () => {
    let redisUp = false;
    const { app } = createOpsServer({
      registry: createMetricsRegistry('svc'),
      logger,
      checkTimeoutMs: 50,
      readiness: {
        kafka: async () => undefined,
        redis: async () => {
          if (!redisUp) throw new Error('ECONNREFUSED');
        },
        registry: () => new Promise(() => undefined),
      },
    });
    const down = await app.inject('/readyz');
    expect(down.statusCode).toBe(503);
    expect(down.json()).toMatchObject({
      status: 'not ready',
      checks: { kafka: { ok: true }, redis: { ok: false, error: 'ECONNREFUSED' }, registry: { ok: false, error: 'timed out after 50 ms' } },
    });
    redisUp = true;
    expect((await app.inject('/healthz')).statusCode).toBe(200);
  });

  it('turns readiness to 503 once closing while liveness stays up for the drain', async () => {
    const { app, markClosing } = createOpsServer({ registry: createMetricsRegistry('svc'), logger, readiness: {} });
    expect((await app.inject('/readyz')).statusCode).toBe(200);
    markClosing();
    expect((await app.inject('/readyz')).statusCode).toBe(503);
    const live = await app.inject('/healthz');
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ status: 'closing' });
  });
});

describe('ops server: the HTTP contract every service shares (issue 20)', () => {
  const server = () => {
    const { app } = createOpsServer({ registry: createMetricsRegistry('svc'), logger, readiness: {} });
    app.post('/v1/events', async () => ({ ok: true }));
    app.get('/v1/features/:entity', async (req) => ({ entity: (req.params as { entity: string }).entity }));
    app.post('/v1/features::batchGet', async () => ({ ok: true }));
    return app;
  };

  it('answers a wrong method on a known path 405 with Allow, an unknown path 404', async () => {
    const app = server();
    const get = await app.inject({ method: 'GET', url: '/v1/events' });
    expect(get.statusCode).toBe(405);
    expect(get.headers['allow']).toBe('POST');
    const del = await app.inject({ method: 'DELETE', url: '/v1/features/c-1?x=1' });
    expect(del.statusCode).toBe(405);
    expect(del.headers['allow']).toBe('GET, HEAD');
    expect((await app.inject({ method: 'GET', url: '/v1/features:batchGet' })).headers['allow']).toBe('POST');
    expect((await app.inject({ method: 'POST', url: '/metrics' })).headers['allow']).toBe('GET, HEAD');
    // QUERY carries a body: Fastify's missing-content-type 400 used to come first (found by schemathesis).
    const query = await app.inject({ method: 'QUERY', url: '/v1/features/c-1' });
    expect([query.statusCode, query.headers['allow']]).toEqual([405, 'GET, HEAD']);
    const unknown = await app.inject({ method: 'GET', url: '/nowhere' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.body).not.toContain('nowhere');
  });

  it('refuses a compressed body with 415 unless the route decodes it', async () => {
    const app = server();
    void app.register(async (scope) => {
      scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body: Buffer, done) =>
        done(null, JSON.parse(gunzipSync(body).toString())),
      );
      scope.post('/v1/decoding', { config: { decodesContentEncoding: true } }, async (req) => ({ got: req.body }));
    });
    const gz = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
    const refused = await app.inject({ method: 'POST', url: '/v1/events', headers: gz, payload: gzipSync('{}') });
    expect([refused.statusCode, refused.headers['accept-encoding']]).toEqual([415, 'identity']);
    const decoded = await app.inject({ method: 'POST', url: '/v1/decoding', headers: gz, payload: gzipSync('{"a":1}') });
    expect([decoded.statusCode, decoded.json()]).toEqual([200, { got: { a: 1 } }]);
    const identity = { 'content-type': 'application/json', 'content-encoding': 'identity' };
    expect((await app.inject({ method: 'POST', url: '/v1/events', headers: identity, payload: '{}' })).statusCode).toBe(200);
  });

  it('serves a path parameter as long as the longest id ingestion accepts, percent-encoded', async () => {
    const app = server();
    // 128 UTF-16 code units of three UTF-8 bytes each: the longest encoding of an accepted id.
    const id = '€'.repeat(128);
    const res = await app.inject({ method: 'GET', url: `/v1/features/${encodeURIComponent(id)}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ entity: id });
  });

  it('refuses an over-long parameter or a bad encoding briefly, without echoing the path', async () => {
    const app = server();
    const long = await app.inject({ method: 'GET', url: `/v1/features/${'x'.repeat(5000)}` });
    expect(long.statusCode).toBe(414);
    expect(long.body.length).toBeLessThan(200);
    expect(long.body).not.toContain('xxxxxxxxxx');
    const bad = await app.inject({ method: 'GET', url: '/v1/features/%ED%A0%80abcdef' });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).not.toContain('abcdef');
  });
});
