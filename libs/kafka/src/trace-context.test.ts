import { describe, expect, it } from 'vitest';
import { ROOT_CONTEXT, TraceFlags, createTraceState, trace, type Context } from '@opentelemetry/api';
import { extractTraceContext, startProcessSpan, traceHeaders } from './trace-context.js';

const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const spanId = '00f067aa0ba902b7';
const traceparent = `00-${traceId}-${spanId}-01`;

function producerContext(traceState?: string): Context {
  return trace.setSpan(
    ROOT_CONTEXT,
    trace.wrapSpanContext({
      traceId,
      spanId,
      traceFlags: TraceFlags.SAMPLED,
      ...(traceState ? { traceState: createTraceState(traceState) } : {}),
    }),
  );
}

describe('traceHeaders', () => {
  it('writes the W3C traceparent, and tracestate when the context has one', () => {
    expect(traceHeaders(producerContext())).toEqual({ traceparent });
    expect(traceHeaders(producerContext('vendor=abc,other=1'))).toEqual({ traceparent, tracestate: 'vendor=abc,other=1' });
  });

  it('writes nothing for a context without a span', () => {
    expect(traceHeaders(ROOT_CONTEXT)).toEqual({});
  });
});

describe('extractTraceContext', () => {
  it('reads string headers, as a producer wrote them', () => {
    const span = trace.getSpanContext(extractTraceContext({ traceparent, 'x-other': 'kept out' }));
    expect(span).toEqual({ traceId, spanId, traceFlags: TraceFlags.SAMPLED, isRemote: true });
  });

  it('reads Buffer headers, as kafkajs hands them to a consumer', () => {
    const headers = { traceparent: Buffer.from(traceparent), tracestate: Buffer.from('vendor=abc') };
    const span = trace.getSpanContext(extractTraceContext(headers));
    expect(span?.traceId).toBe(traceId);
    expect(span?.spanId).toBe(spanId);
    expect(span?.traceState?.get('vendor')).toBe('abc');
  });

  it('takes the first value of a repeated header', () => {
    const other = `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`;
    const span = trace.getSpanContext(extractTraceContext({ traceparent: [Buffer.from(traceparent), Buffer.from(other)] }));
    expect(span?.traceId).toBe(traceId);
  });

  it('gives a context without a span for missing, empty or malformed headers', () => {
    expect(extractTraceContext(undefined)).toBe(ROOT_CONTEXT);
    expect(trace.getSpanContext(extractTraceContext({}))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext({ traceparent: [] }))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext({ traceparent: 'not-a-traceparent' }))).toBeUndefined();
    expect(trace.getSpanContext(extractTraceContext({ traceparent: `00-${'0'.repeat(32)}-${spanId}-01` }))).toBeUndefined();
  });

  it('round-trips through headers as a consumer receives them', () => {
    const written = traceHeaders(producerContext('vendor=abc'));
    const received = Object.fromEntries(Object.entries(written).map(([k, v]) => [k, Buffer.from(v)]));
    expect(traceHeaders(extractTraceContext(received))).toEqual(written);
  });
});

describe('startProcessSpan', () => {
  it('continues the producer trace and carries the span in the returned context', () => {
    const { span, context } = startProcessSpan(
      { topic: 'events.raw', partition: 2, offset: '41', headers: { traceparent: Buffer.from(traceparent) } },
      'group',
    );
    // Without a registered tracer provider the span is non-recording but keeps the parent's ids.
    expect(span.spanContext().traceId).toBe(traceId);
    expect(trace.getSpan(context)).toBe(span);
    expect(traceHeaders(context)['traceparent']?.split('-')[1]).toBe(traceId);
    span.end();
  });
});
