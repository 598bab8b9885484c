import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type TextMapGetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

const tracer = trace.getTracer('@tidewater/ops-server');
// Used directly, not through the global API, so a caller's trace continues even in a process that registered no propagator.
const propagator = new W3CTraceContextPropagator();
const headerGetter: TextMapGetter<FastifyRequest['headers']> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

// Probes and scrapes every few seconds would bury the spans that matter.
const untraced = new Set(['/metrics', '/healthz', '/readyz']);
const spans = new WeakMap<FastifyRequest, { span: Span; context: Context }>();

/**
 * A SERVER span per API request, named `<method> <route>` and attributed per the OpenTelemetry HTTP
 * conventions (`http.request.method`, `http.route`, `http.response.status_code`, `error.type` for
 * 5xx), continuing the caller's W3C `traceparent`. Handlers continue it with `requestTraceContext`.
 */
export function registerHttpSpans(app: FastifyInstance): void {
  app.addHook('onRequest', (req, _reply, done) => {
    const route = req.routeOptions.url;
    if (route !== undefined && !untraced.has(route)) {
      const parent = propagator.extract(ROOT_CONTEXT, req.headers, headerGetter);
      const span = tracer.startSpan(`${req.method} ${route}`, { kind: SpanKind.SERVER }, parent);
      if (span.isRecording()) span.setAttributes({ 'http.request.method': req.method, 'http.route': route });
      spans.set(req, { span, context: trace.setSpan(parent, span) });
    }
    done();
  });
  app.addHook('onResponse', (req, reply, done) => {
    const entry = spans.get(req);
    if (entry) {
      const { span } = entry;
      if (span.isRecording()) {
        span.setAttribute('http.response.status_code', reply.statusCode);
        // Per the conventions a SERVER span is an error for 5xx only: a 4xx is the client's mistake.
        if (reply.statusCode >= 500) {
          span.setAttribute('error.type', String(reply.statusCode));
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      }
      span.end();
    }
    done();
  });
}

/** The context of the request's SERVER span, to continue the trace in records it produces; the caller's context without one. */
export function requestTraceContext(req: FastifyRequest): Context {
  return spans.get(req)?.context ?? propagator.extract(ROOT_CONTEXT, req.headers, headerGetter);
}
