import type { FastifyInstance } from 'fastify';
import { Histogram, type Registry } from 'prom-client';

/**
 * Request duration of every route of the server, by method, route pattern and status, so each
 * HTTP API (events, OIP, admin, feature serving, silences) has rate, errors and latency without
 * its own code. `route` is the pattern (`/v1/features/:id`), never the raw path, and a request
 * no route matched counts as `unmatched`: client-chosen paths cannot grow the series count.
 */
export function registerHttpMetrics(app: FastifyInstance, registry: Registry): void {
  const duration = histogramOf(registry);
  app.addHook('onResponse', (req, reply, done) => {
    duration.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}

// One histogram per registry: the ops server and the API server of a process report into the same series.
const histograms = new WeakMap<Registry, Histogram>();

function histogramOf(registry: Registry): Histogram {
  const known = histograms.get(registry);
  if (known) return known;
  const duration = new Histogram({
    name: 'tw_http_request_duration_seconds',
    help: 'HTTP request duration, by method, route pattern and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  histograms.set(registry, duration);
  return duration;
}
