import { trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { startTracing } from './start-tracing.js';

describe('startTracing', () => {
  it('exports nothing without OTEL settings, yet gives spans real ids to propagate', async () => {
    const env: NodeJS.ProcessEnv = {};
    const tracing = startTracing({ serviceName: 'test', env });
    try {
      expect(tracing.exporting).toBe(false);
      expect(env['OTEL_TRACES_EXPORTER']).toBe('none');
      expect(env['OTEL_METRICS_EXPORTER']).toBe('none');
      const span = trace.getTracer('t').startSpan('root');
      expect(span.spanContext().traceId).toMatch(/^(?!0{32})[0-9a-f]{32}$/);
      expect(span.isRecording()).toBe(false);
      span.end();
    } finally {
      await tracing.shutdown();
    }
    // shutdown is idempotent
    await expect(tracing.shutdown()).resolves.toBeUndefined();
  });
});
