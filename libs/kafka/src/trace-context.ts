import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { KafkaHeaders } from './types.js';
import { headerText } from './header-text.js';

/**
 * W3C trace context in Kafka headers (traceparent, tracestate), as the OpenTelemetry messaging
 * conventions and the kafkajs instrumentation carry it. The propagator is used directly rather
 * than through the global API so context flows even in a process that registered none.
 */
const propagator = new W3CTraceContextPropagator();

const headerGetter: TextMapGetter<KafkaHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => headerText(carrier, key),
};

const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** The context a record's producer put in its headers (or the root context when none). */
export function extractTraceContext(headers: KafkaHeaders | undefined): Context {
  return headers ? propagator.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT;
}

/** Headers carrying the given context, to merge into an outgoing record's headers. */
export function traceHeaders(ctx: Context): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, headerSetter);
  return carrier;
}

const tracer = trace.getTracer('@tidewater/kafka');

/** The broker a span talks to (OpenTelemetry's `server.address`, `server.port`). */
export interface SpanServer {
  readonly address: string;
  readonly port: number | undefined;
}

function setServer(span: Span, server: SpanServer | undefined): void {
  if (!server) return;
  span.setAttribute('server.address', server.address);
  if (server.port !== undefined) span.setAttribute('server.port', server.port);
}

/**
 * Starts the process span of one consumed record, as a child of its producer's context, named
 * and attributed per the OpenTelemetry messaging conventions ("<destination> process").
 */
export function startProcessSpan(
  record: { topic: string; partition: number; offset: string; headers?: KafkaHeaders; key?: Buffer | null },
  groupId: string,
  server?: SpanServer,
): { span: Span; context: Context } {
  const parent = extractTraceContext(record.headers);
  const creation = trace.getSpanContext(parent);
  // A child of the send span that created the record, and linked to it too, as the messaging
  // conventions ask of process spans (a trace backend shows the link when the parent is elsewhere).
  const span = tracer.startSpan(
    `process ${record.topic}`,
    { kind: SpanKind.CONSUMER, ...(creation ? { links: [{ context: creation }] } : {}) },
    parent,
  );
  // Attributes are set on the started span rather than passed to startSpan: the SDK sanitizes
  // start attributes twice (for the sampler, then on the span), and this runs once per record.
  if (span.isRecording()) {
    if (record.key) span.setAttribute('messaging.kafka.message.key', record.key.toString('utf8'));
    setServer(span, server);
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

/**
 * Starts the PRODUCER span of one outgoing record ("send <topic>"), a child of the context the
 * record continues; its context goes into the record's headers, so the consumer's process span
 * hangs under it. End it with `endSendSpans` once Kafka acknowledged (or refused) the record.
 */
export function startSendSpan(
  topic: string,
  key: Buffer | string | null | undefined,
  parent: Context,
  server?: SpanServer,
): { span: Span; context: Context } {
  const span = tracer.startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER }, parent);
  if (span.isRecording()) {
    if (key !== null && key !== undefined) span.setAttribute('messaging.kafka.message.key', key.toString());
    setServer(span, server);
    span.setAttributes({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': topic,
    });
  }
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends send spans: OK when `err` is undefined, else with `error.type` and an error status. */
export function endSendSpans(spans: readonly Span[], err?: unknown): void {
  for (const span of spans) {
    if (err !== undefined && span.isRecording()) {
      span.setAttribute('error.type', err instanceof Error ? err.name : 'unknown');
      span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
    }
    span.end();
  }
}
