import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTopics, type RunningService, runService, uniqueName } from '@tidewater/test-support';
import { privateTopics, serviceProcessEnv } from './pipeline-fixture.js';

// Issue 17: the authenticated APIs (inference admin and OIP, alerting silences) answer on ADMIN_HTTP_PORT with
// bearer tokens from a file, /metrics and the probes stay on the ops port without any, and production refuses
// to start without a token. The services run as the image runs them: NODE_ENV=production.
const adminToken = `admin-${uniqueName('token')}`;
const clientToken = `client-${uniqueName('token')}`;

describe('API ports of running services', () => {
  const prefix = uniqueName('api-ports');
  const topics = privateTopics(prefix);
  const services = new Map<string, RunningService>();
  let dir: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tw-api-ports-'));
    await writeFile(join(dir, 'admin-tokens'), `# rotated by the test\n${adminToken}\n`);
    await writeFile(join(dir, 'oip-tokens'), `${clientToken}\n`);
    await createTopics(Object.values(topics).map((name) => ({ name, partitions: 1 })));
    env = serviceProcessEnv(prefix, topics, {
      NODE_ENV: 'production',
      SCHEMA_AUTO_REGISTER: 'true',
      ADMIN_TOKEN_FILE: join(dir, 'admin-tokens'),
      SLACK_WEBHOOK_URL: 'http://127.0.0.1:9/',
      SHUTDOWN_TIMEOUT_MS: '10000',
    });
    for (const name of ['inference', 'alerting'])
      services.set(
        name,
        await runService(name, {
          ...env,
          CONSUMER_GROUP: `${prefix}-${name}`,
          ...(name === 'inference' ? { OIP_TOKEN_FILE: join(dir, 'oip-tokens') } : {}),
        }),
      );
  }, 240_000);

  afterAll(async () => {
    for (const s of services.values()) await s.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const get = (port: number, path: string, token?: string) =>
    fetch(`http://127.0.0.1:${port}${path}`, token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } });

  it('inference: 401 on the admin port without a token, /metrics on the ops port without one', async () => {
    const inference = services.get('inference')!;
    const metrics = await get(inference.port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('tw_http_request_duration_seconds');

    const none = await get(inference.adminPort, '/admin/models');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="tidewater-inference"');
    expect(await none.json()).toMatchObject({ code: 'TW_HTTP_UNAUTHORIZED' });
    const wrong = await get(inference.adminPort, '/admin/models', `${adminToken}-not`);
    expect([wrong.status, wrong.headers.get('www-authenticate')]).toEqual([
      401,
      'Bearer realm="tidewater-inference", error="invalid_token"',
    ]);
    expect((await get(inference.adminPort, '/admin/models', adminToken)).status).toBe(200);

    // OIP has a port of its own (clients reach it, not admin): its clients' tokens open OIP, not the admin API.
    const oip = inference.oipPort;
    const oipNone = await get(oip, '/v2/health/live');
    expect([oipNone.status, oipNone.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="tidewater-inference"']);
    expect((await get(oip, '/v2/health/live', clientToken)).status).toBe(200);
    expect((await get(oip, '/v2/health/live', adminToken)).status).toBe(200);
    expect((await get(inference.adminPort, '/admin/models', clientToken)).status).toBe(401);

    // Each API only on its own port; the probes only on the ops port.
    expect((await get(inference.port, '/admin/models', adminToken)).status).toBe(404);
    expect((await get(inference.port, '/v2/health/live', clientToken)).status).toBe(404);
    expect((await get(oip, '/admin/models', adminToken)).status).toBe(404);
    expect((await get(inference.adminPort, '/v2/health/live', adminToken)).status).toBe(404);
    expect((await get(inference.adminPort, '/metrics', adminToken)).status).toBe(404);
  });

  it('alerting: the silences API answers 401 without a token and serves one with it', async () => {
    const alerting = services.get('alerting')!;
    expect((await get(alerting.port, '/metrics')).status).toBe(200);
    expect((await get(alerting.port, '/readyz')).status).toBe(200);
    const none = await get(alerting.adminPort, '/api/v2/silences');
    expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="tidewater-alerting"']);
    const ok = await get(alerting.adminPort, '/api/v2/silences', adminToken);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual([]);
    expect((await get(alerting.port, '/api/v2/silences', adminToken)).status).toBe(404);
  });

  it('production without a token refuses to start and says which variable to set', async () => {
    const { ADMIN_TOKEN_FILE: _unset, ...withoutToken } = env;
    const failed = await runService('inference', { ...withoutToken, CONSUMER_GROUP: `${prefix}-no-token` }).then(
      async (s) => {
        await s.stop();
        return undefined;
      },
      (err: unknown) => (err instanceof Error ? err.message : String(err)),
    );
    expect(failed).toMatch(/exited with 1 before it was ready; see (\S+)/);
    const log = await readFile(/see (\S+)$/.exec(failed!)![1]!, 'utf8');
    expect(log).toContain('TW_HTTP_TOKEN_REQUIRED');
    expect(log).toContain('ADMIN_TOKEN_FILE');
  }, 120_000);
});
