import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { endSendSpans, startProcessSpan, startSendSpan, traceHeaders } from './trace-context.js';

// A recording provider, as a service with an exporter configured has: the spans and their attributes are what a trace backend receives.
const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

beforeAll(() => void trace.setGlobalTracerProvider(provider));
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
});
beforeEach(() => exporter.reset());

describe('send and process spans', () => {
  it('a PRODUCER span per sent record, parent of the consumer side process span, which also links to it', () => {
    const upstream = trace.getTracer('test').startSpan('process events.raw');
    const parent = trace.setSpan(ROOT_CONTEXT, upstream);
    const send = startSendSpan('events.ingested', Buffer.from('card-7'), parent, { address: 'kafka-0.kafka', port: 9092 });
    const headers = traceHeaders(send.context);
    endSendSpans([send.span]);
    const processed = startProcessSpan(
      { topic: 'events.ingested', partition: 3, offset: '17', headers, key: Buffer.from('card-7') },
      'tw-feature',
      { address: 'kafka-0.kafka', port: 9092 },
    );
    processed.span.end();
    upstream.end();

    const [sendSpan, processSpan] = exporter.getFinishedSpans();
    expect(sendSpan).toMatchObject({ name: 'send events.ingested', kind: SpanKind.PRODUCER });
    expect(sendSpan!.parentSpanContext?.spanId).toBe(upstream.spanContext().spanId);
    expect(sendSpan!.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.destination.name': 'events.ingested',
      'messaging.kafka.message.key': 'card-7',
      'server.address': 'kafka-0.kafka',
      'server.port': 9092,
    });
    expect(processSpan).toMatchObject({ name: 'process events.ingested', kind: SpanKind.CONSUMER });
    expect(processSpan!.spanContext().traceId).toBe(upstream.spanContext().traceId);
    expect(processSpan!.parentSpanContext?.spanId).toBe(sendSpan!.spanContext().spanId);
    expect(processSpan!.links.map((l) => l.context.spanId)).toEqual([sendSpan!.spanContext().spanId]);
    expect(processSpan!.attributes).toMatchObject({
      'messaging.consumer.group.name': 'tw-feature',
      'messaging.destination.partition.id': '3',
      'messaging.kafka.offset': 17,
      'messaging.kafka.message.key': 'card-7',
      'server.address': 'kafka-0.kafka',
    });
  });

  it('marks send spans of a failed send with error.type and an error status', () => {
    const send = startSendSpan('predictions', null, ROOT_CONTEXT);
    const err = new Error('broker gone');
    err.name = 'KafkaJSConnectionError';
    endSendSpans([send.span], err);
    const [span] = exporter.getFinishedSpans();
    expect(span!.attributes['error.type']).toBe('KafkaJSConnectionError');
    expect(span!.attributes['messaging.kafka.message.key']).toBeUndefined();
    expect(span!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'broker gone' });
  });
});

describe('KafkaClient.server', () => {
  it('names the first bootstrap broker of a client made by createKafkaClient', async () => {
    const { createKafkaClient } = await import('./kafka-client.js');
    const { pino } = await import('pino');
    const kafka = createKafkaClient({
      brokers: ['kafka-0.kafka:9093', 'kafka-1.kafka:9093'],
      clientId: 't',
      logger: pino({ level: 'silent' }),
    });
    expect(kafka.server).toEqual({ address: 'kafka-0.kafka', port: 9093 });
  });
});
