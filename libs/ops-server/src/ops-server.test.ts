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
    expect(res.body).toContain('tw_test_total{service="svc"} 3');
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
