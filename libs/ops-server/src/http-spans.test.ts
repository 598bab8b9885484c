import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestTraceContext } from './http-spans.js';
import { createMetricsRegistry } from './metrics-registry.js';
import { createOpsServer } from './ops-server.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
beforeAll(() => void trace.setGlobalTracerProvider(provider));
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
});

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

describe('HTTP server spans', () => {
  it("one SERVER span per API request, under the caller's traceparent, with route and status; probes untraced", async () => {
    const { app } = createOpsServer({ registry: createMetricsRegistry('svc'), readiness: {}, logger: pino({ level: 'silent' }) });
    let handlerTraceId: string | undefined;
    app.get('/v1/features/:id', async (req, reply) => {
      const { id } = req.params as { id: string };
      if (id === 'card-1') handlerTraceId = trace.getSpanContext(requestTraceContext(req))?.traceId;
      return reply.code(id === 'boom' ? 500 : 200).send({});
    });
    await app.inject({ url: '/v1/features/card-1', headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    await app.inject({ url: '/v1/features/boom' });
    await app.inject('/healthz');
    await app.inject('/metrics');

    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toEqual(['GET /v1/features/:id', 'GET /v1/features/:id']);
    const [ok, failed] = spans;
    expect(ok).toMatchObject({ kind: SpanKind.SERVER });
    expect(ok!.spanContext().traceId).toBe(traceId);
    expect(ok!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(ok!.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/v1/features/:id',
      'http.response.status_code': 200,
    });
    expect(handlerTraceId).toBe(traceId);
    expect(failed!.attributes).toMatchObject({ 'http.response.status_code': 500, 'error.type': '500' });
    expect(failed!.status.code).toBe(SpanStatusCode.ERROR);
  });
});
