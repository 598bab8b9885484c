import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createHttpServer } from './http-server.js';

/** A readiness probe: resolves when the dependency answers, rejects with the reason otherwise. */
export type ReadinessCheck = () => Promise<void>;

export interface OpsServerOptions {
  readonly registry: Registry;
  /** Named dependency checks for /readyz (kafka, schema-registry, redis, ...). */
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  readonly logger: Logger;
  /** A check slower than this counts as failed. */
  readonly checkTimeoutMs?: number;
  /** Largest accepted request body in bytes (Fastify's bodyLimit). */
  readonly bodyLimit?: number;
}

/**
 * The HTTP server every service exposes: `/metrics` (Prometheus text), `/healthz` (the
 * process is alive) and `/readyz` (every dependency check passes,
 * else 503 with each check's state). Services add their own routes to the returned instance.
 */
export function createOpsServer(opts: OpsServerOptions): { app: FastifyInstance; markClosing(): void } {
  const app = createHttpServer(opts);
  let closing = false;
  const timeoutMs = opts.checkTimeoutMs ?? 2000;

  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', opts.registry.contentType);
    return opts.registry.metrics();
  });

  // Liveness stays 200 while closing: a failing liveness probe would make Kubernetes kill the
  // process in the middle of the graceful drain it is doing. Readiness is what turns away traffic.
  app.get('/healthz', async () => ({ status: closing ? 'closing' : 'ok' }));

  app.get('/readyz', async (_req, reply) => {
    const entries = await Promise.all(
      Object.entries(opts.readiness).map(async ([name, check]) => [name, await runCheck(check, timeoutMs)] as const),
    );
    const checks = Object.fromEntries(entries);
    const ready = !closing && entries.every(([, r]) => r.ok);
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : closing ? 'closing' : 'not ready', checks });
  });

  return {
    app,
    markClosing() {
      closing = true;
    },
  };
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<{ ok: boolean; error?: string; ms: number }> {
  const started = Date.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ms: Date.now() - started };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err), ms: Date.now() - started };
  } finally {
    clearTimeout(timer);
  }
}
