import { context, ROOT_CONTEXT, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { StackContextManager } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { propagatingTracerProvider } from './propagating-tracer.js';

const tracer = propagatingTracerProvider.getTracer('test');
const parentOf = (sc: SpanContext) => trace.setSpanContext(ROOT_CONTEXT, sc);
const upstream: SpanContext = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  isRemote: true,
};

describe('propagatingTracerProvider', () => {
  // Active spans need a context manager; startTracing's SDK registers the async one in services.
  beforeAll(() => void context.setGlobalContextManager(new StackContextManager().enable()));
  afterAll(() => context.disable());

  it("continues the parent's trace id, sampled flag and trace state with a new span id, recording nothing", () => {
    const traceState = new TraceState('vendor=abc');
    const span = tracer.startSpan('process', {}, parentOf({ ...upstream, traceState }));
    const sc = span.spanContext();
    expect(sc.traceId).toBe(upstream.traceId);
    expect(sc.spanId).toMatch(/^(?!0{16})[0-9a-f]{16}$/);
    expect(sc.spanId).not.toBe(upstream.spanId);
    expect(sc.traceFlags).toBe(TraceFlags.SAMPLED);
    expect(sc.traceState?.serialize()).toBe('vendor=abc');
    expect(span.isRecording()).toBe(false);
  });

  it('keeps an unsampled parent unsampled', () => {
    const span = tracer.startSpan('process', {}, parentOf({ ...upstream, traceFlags: TraceFlags.NONE }));
    expect(span.spanContext().traceFlags).toBe(TraceFlags.NONE);
    expect(span.spanContext().traceId).toBe(upstream.traceId);
  });

  it('starts a new sampled trace without a valid parent, or when asked for a root', () => {
    const roots = [
      tracer.startSpan('a', {}, ROOT_CONTEXT),
      tracer.startSpan('b', {}, parentOf({ ...upstream, traceId: '0'.repeat(32) })),
      tracer.startSpan('c', { root: true }, parentOf(upstream)),
    ];
    for (const s of roots) {
      expect(s.spanContext().traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
      expect(s.spanContext().traceId).not.toBe(upstream.traceId);
      expect(s.spanContext().traceFlags).toBe(TraceFlags.SAMPLED);
    }
    expect(new Set(roots.map((s) => s.spanContext().traceId)).size).toBe(3);
  });

  it('startActiveSpan runs the function with the new span active, in every overload', () => {
    const parent = parentOf(upstream);
    const seen = [
      tracer.startActiveSpan('a', (s) => [s, trace.getActiveSpan()] as const),
      tracer.startActiveSpan('b', {}, (s) => [s, trace.getActiveSpan()] as const),
      tracer.startActiveSpan('c', {}, parent, (s) => [s, trace.getActiveSpan()] as const),
    ];
    for (const [span, active] of seen) expect(active?.spanContext()).toEqual(span.spanContext());
    expect(seen[2]![0].spanContext().traceId).toBe(upstream.traceId);
    expect(context.with(parent, () => tracer.startActiveSpan('d', (s) => s.spanContext().traceId))).toBe(upstream.traceId);
  });
});
