import { z } from 'zod';
import { intFromEnv } from './env-fields.js';

/**
 * The settings of a service's authenticated API port (issue 17): the inference admin and OIP APIs, the
 * alerting silences API. The port is apart from HTTP_PORT's /metrics, /healthz and /readyz so that a
 * NetworkPolicy can tell them apart; tokens come from a file (a mounted Secret), one per line. With
 * NODE_ENV=production a service refuses to start without a token (TW_HTTP_TOKEN_REQUIRED).
 */
export const adminApiEnv = {
  /** Port of the authenticated APIs; unset = the service's default (see adminHttpPort); 0 picks a free one. */
  ADMIN_HTTP_PORT: intFromEnv(0, 65535).optional(),
  /** Address the API port binds; default HTTP_HOST. */
  ADMIN_HTTP_HOST: z.string().min(1).optional(),
  /** File of bearer tokens, one per line (`#` comments allowed); read at boot. */
  ADMIN_TOKEN_FILE: z.string().min(1).optional(),
  /** A bearer token given inline, for development; accepted besides the file's. */
  ADMIN_TOKEN: z.string().min(1).optional(),
};

/**
 * An API port: the configured one when set; else a free one when HTTP_PORT is 0 (tests and benchmarks
 * running several processes on one host ask for free ports), else the service's default.
 */
export function apiHttpPort(configured: number | undefined, httpPort: number, defaultPort: number): number {
  return configured ?? (httpPort === 0 ? 0 : defaultPort);
}
