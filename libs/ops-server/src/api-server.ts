import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { bearerAuthHook, type AuthScope } from './bearer-auth.js';
import { createHttpServer } from './http-server.js';

export interface ApiServerOptions {
  readonly registry: Registry;
  readonly logger: Logger;
  /** Who may call which part of the server (issue 17); checked before routing. */
  readonly scopes: readonly AuthScope[];
  /** The realm named in WWW-Authenticate challenges: `tidewater-inference`. */
  readonly realm: string;
  readonly bodyLimit?: number;
}

/**
 * The server of a service's authenticated APIs (inference admin and OIP, alerting silences), on a port
 * of its own so that a NetworkPolicy can open `/metrics`, `/healthz` and `/readyz` to Prometheus and
 * the kubelet while the APIs stay reachable only from where operators and clients run. It has the ops
 * server's framework answers (405, 414, 415) and request metrics, and no ops routes.
 */
export function createApiServer(opts: ApiServerOptions): FastifyInstance {
  return createHttpServer({
    registry: opts.registry,
    logger: opts.logger,
    ...(opts.bodyLimit === undefined ? {} : { bodyLimit: opts.bodyLimit }),
    firstOnRequest: bearerAuthHook(opts.scopes, opts.realm),
  });
}
