import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '@tidewater/schemas';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const script = join(repoRoot, 'deploy/docker/healthcheck.mjs');

/** Runs the image's HEALTHCHECK command with the given environment; resolves to its exit code and stderr. */
async function runHealthcheck(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [script], { env: { PATH: process.env['PATH'] ?? '', ...env } });
    return { code: 0, stderr };
  } catch (err) {
    const { code, stderr } = err as { code?: unknown; stderr?: unknown };
    return { code: typeof code === 'number' ? code : -1, stderr: String(stderr) };
  }
}

describe('healthcheck.mjs', () => {
  let server: Server;
  let port: number;
  let healthzStatus = 200;
  const paths: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      paths.push(req.url ?? '');
      res.statusCode = req.url === '/healthz' ? healthzStatus : 404;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('exits 0 when GET /healthz on HTTP_PORT answers 200', async () => {
    healthzStatus = 200;
    paths.length = 0;
    expect((await runHealthcheck({ HTTP_PORT: String(port) })).code).toBe(0);
    expect(paths).toEqual(['/healthz']);
  });

  it('exits 1 when /healthz answers an error status', async () => {
    healthzStatus = 503;
    const result = await runHealthcheck({ HTTP_PORT: String(port), HTTP_HOST: '0.0.0.0' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('answered 503');
  });

  it('exits 1 when nothing listens on the port', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await runHealthcheck({ HTTP_PORT: String(freePort) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('failed');
  });

  it('probes the address the service is bound to when HTTP_HOST names one', async () => {
    healthzStatus = 200;
    expect((await runHealthcheck({ HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' })).code).toBe(0);
  });

  it('exits 1 and says why when HTTP_PORT is not set', async () => {
    const result = await runHealthcheck({});
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('HTTP_PORT is not set');
  });
});
