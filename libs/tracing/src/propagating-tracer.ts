import {
  context as contextApi,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type SpanOptions,
  type Tracer,
  type TracerProvider,
} from '@opentelemetry/api';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace';

const ids = new RandomIdGenerator();

/**
 * The tracer of a process that exports no spans. Its spans record nothing, but each has a real
 * span id and continues its parent's trace id, sampled flag and trace state; a span without a
 * parent starts a new, sampled trace. That is what the SDK's default sampler,
 * parentbased_always_on, would propagate, so services downstream that do export still see one
 * trace per event.
 *
 * Why not the SDK's provider with a span processor that drops everything (as before): it builds,
 * attributes and ends a full span object for every consumed record, which measured about a tenth
 * of an inference worker's CPU for spans nobody reads. OTEL_TRACES_SAMPLER is not consulted here:
 * with nothing exported there is nothing to sample.
 */
class PropagatingTracer implements Tracer {
  startSpan(_name: string, options?: SpanOptions, ctx: Context = contextApi.active()): Span {
    const parent = options?.root ? undefined : trace.getSpanContext(ctx);
    if (parent && trace.isSpanContextValid(parent)) {
      return trace.wrapSpanContext({
        traceId: parent.traceId,
        spanId: ids.generateSpanId(),
        traceFlags: parent.traceFlags & TraceFlags.SAMPLED,
        ...(parent.traceState ? { traceState: parent.traceState } : {}),
      });
    }
    return trace.wrapSpanContext({ traceId: ids.generateTraceId(), spanId: ids.generateSpanId(), traceFlags: TraceFlags.SAMPLED });
  }

  startActiveSpan<F extends (span: Span) => unknown>(name: string, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, options: SpanOptions, ctx: Context, fn: F): ReturnType<F>;
  startActiveSpan<F extends (span: Span) => unknown>(name: string, a?: SpanOptions | F, b?: Context | F, c?: F): ReturnType<F> {
    const fn = (c ?? (typeof b === 'function' ? b : a)) as F;
    const options = typeof a === 'object' ? a : undefined;
    const parent = typeof b === 'object' ? b : contextApi.active();
    const span = this.startSpan(name, options, parent);
    return contextApi.with(trace.setSpan(parent, span), () => fn(span)) as ReturnType<F>;
  }
}

const tracer = new PropagatingTracer();

/** A TracerProvider whose tracers propagate trace context without recording spans. */
export const propagatingTracerProvider: TracerProvider = { getTracer: () => tracer };
