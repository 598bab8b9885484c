import { Writable } from 'node:stream';
import { context, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { describe, expect, it } from 'vitest';
import { createLogger } from './create-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('writes JSON with service, level label and errors under err', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'svc', destination });
    log.error({ err: new Error('boom') }, 'failed');
    expect(lines[0]).toMatchObject({ service: 'svc', level: 'error', msg: 'failed', err: { message: 'boom', type: 'Error' } });
  });

  it('redacts credentials and configured paths', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'svc', destination, redact: ['card.pan'] });
    log.info({ apiKey: 'k', req: { headers: { authorization: 'Bearer x' } }, card: { pan: '4111' } }, 'hi');
    expect(JSON.stringify(lines[0])).not.toMatch(/Bearer x|4111|"k"/);
    expect(lines[0]).toMatchObject({ apiKey: '[redacted]', card: { pan: '[redacted]' } });
  });

  it('puts the active trace and span ids on the line', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'svc', destination });
    const spanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: TraceFlags.SAMPLED };
    const span = trace.wrapSpanContext(spanContext);
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      context.with(trace.setSpan(context.active(), span), () => log.info('in span'));
    } finally {
      context.disable();
    }
    expect(lines[0]).toMatchObject({ trace_id: spanContext.traceId, span_id: spanContext.spanId });
  });
});
