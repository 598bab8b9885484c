import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SpanKind, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTracing } from './start-tracing.js';

interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: string | number };
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: OtlpAttribute[] }; scopeSpans: { spans: { name: string; kind: number }[] }[] }[];
}

// A stand-in OTLP/HTTP JSON receiver on loopback: what a collector or Jaeger would be sent.
const received: OtlpExport[] = [];
let server: Server;
const saved = { ...process.env };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      received.push(JSON.parse(body) as OtlpExport);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  process.env = saved;
  await new Promise((resolve) => server.close(resolve));
});

describe('startTracing with an OTLP exporter', () => {
  it('exports spans with service name and version, host and process attributes, and OTEL_RESOURCE_ATTRIBUTES', async () => {
    const { port } = server.address() as AddressInfo;
    process.env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'] = `http://127.0.0.1:${port}/v1/traces`;
    process.env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] = 'http/json';
    process.env['OTEL_TRACES_EXPORTER'] = 'otlp';
    process.env['OTEL_RESOURCE_ATTRIBUTES'] = 'deployment.environment.name=staging,k8s.pod.name=feature-7f9c';
    delete process.env['OTEL_SERVICE_NAME'];
    const tracing = startTracing({ serviceName: 'feature', serviceVersion: '1.4.2' });
    expect(tracing.exporting).toBe(true);
    trace.getTracer('t').startSpan('send features', { kind: SpanKind.PRODUCER }).end();
    await tracing.shutdown();

    const [batch] = received.flatMap((r) => r.resourceSpans);
    const attrs = Object.fromEntries(batch!.resource.attributes.map((a) => [a.key, a.value.stringValue ?? a.value.intValue]));
    expect(attrs).toMatchObject({
      'service.name': 'feature',
      'service.version': '1.4.2',
      'deployment.environment.name': 'staging',
      'k8s.pod.name': 'feature-7f9c',
      'process.runtime.name': 'nodejs',
    });
    expect(attrs['host.name']).toBeTruthy();
    expect(Number(attrs['process.pid'])).toBe(process.pid);
    expect(attrs['service.instance.id']).toBeTruthy();
    expect(batch!.scopeSpans.flatMap((s) => s.spans).map((s) => s.name)).toEqual(['send features']);
  });
});
