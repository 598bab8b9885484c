import { ROOT_CONTEXT, SpanKind, trace, type Context, type Span, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { IHeaders } from 'kafkajs';
import { headerText } from './header-text.js';

/**
 * W3C trace context in Kafka headers (traceparent, tracestate), as the OpenTelemetry messaging
 * conventions and the kafkajs instrumentation carry it. The propagator is used directly rather
 * than through the global API so context flows even in a process that registered none.
 */
const propagator = new W3CTraceContextPropagator();

const headerGetter: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => headerText(carrier, key),
};

const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** The context a record's producer put in its headers (or the root context when none). */
export function extractTraceContext(headers: IHeaders | undefined): Context {
  return headers ? propagator.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT;
}

/** Headers carrying the given context, to merge into an outgoing record's headers. */
export function traceHeaders(ctx: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, headerSetter);
  return carrier;
}

const tracer = trace.getTracer('@tidewater/kafka');

/**
 * Starts the process span of one consumed record, as a child of its producer's context, named
 * and attributed per the OpenTelemetry messaging conventions ("<destination> process").
 */
export function startProcessSpan(
  record: { topic: string; partition: number; offset: string; headers?: IHeaders; key?: Buffer | null },
  groupId: string,
): { span: Span; context: Context } {
  const parent = extractTraceContext(record.headers);
  // Attributes are set on the started span rather than passed to startSpan: the SDK sanitizes
  // start attributes twice (for the sampler, then on the span), and this runs once per record.
  const span = tracer.startSpan(`process ${record.topic}`, { kind: SpanKind.CONSUMER }, parent);
  if (span.isRecording()) {
    span.setAttributes({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.destination.name': record.topic,
      'messaging.destination.partition.id': String(record.partition),
      'messaging.kafka.offset': Number(record.offset),
      'messaging.consumer.group.name': groupId,
    });
  }
  return { span, context: trace.setSpan(parent, span) };
}
