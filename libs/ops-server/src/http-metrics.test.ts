import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from './metrics-registry.js';
import { createOpsServer } from './ops-server.js';

const logger = pino({ level: 'silent' });

describe('HTTP request metrics', () => {
  it('times every request by method, route pattern and status; unknown paths count as unmatched', async () => {
    const registry = createMetricsRegistry('svc');
    const { app } = createOpsServer({ registry, readiness: {}, logger });
    app.get('/v1/things/:id', async (req, reply) => reply.code((req.params as { id: string }).id === 'missing' ? 404 : 200).send({}));
    await app.inject('/v1/things/a');
    await app.inject('/v1/things/b');
    await app.inject('/v1/things/missing');
    await app.inject('/no/such/path/chosen-by-a-client');
    const text = await registry.metrics();
    // Each `_count` line's labels as one sorted string, whatever order prom-client writes them in.
    const counts = new Map(
      [...text.matchAll(/^tw_http_request_duration_seconds_count\{(.*)\} (\d+)$/gm)].map((m) => [
        m[1]!.split(',').sort().join(','),
        Number(m[2]),
      ]),
    );
    const count = (labels: string) => counts.get(`${labels},tw_service="svc"`.split(',').sort().join(','));
    expect(count('method="GET",route="/v1/things/:id",status_code="200"')).toBe(2);
    expect(count('method="GET",route="/v1/things/:id",status_code="404"')).toBe(1);
    expect(count('method="GET",route="unmatched",status_code="404"')).toBe(1);
    expect(text).not.toContain('chosen-by-a-client');
  });

  it('reports the build as tw_build_info, 1, with the Node version', async () => {
    const registry = createMetricsRegistry('svc');
    const text = await registry.metrics();
    expect(text).toMatch(
      new RegExp(`tw_build_info\\{version="[^"]+",revision="[^"]+",node_version="${process.version}",tw_service="svc"\\} 1`),
    );
  });
});
