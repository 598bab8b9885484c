import type { FastifyInstance } from 'fastify';

/** `GET /` answers `{}` as Confluent's root does; `GET /healthz` is for supervisors probing readiness. */
export function registerHealthRoutes(app: FastifyInstance): void {
  app.get('/', async () => ({}));
  app.get('/healthz', async () => ({ status: 'ok' }));
}
