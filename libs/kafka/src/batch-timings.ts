import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { Logger } from 'pino';

/**
 * Where a consumer's batches spend their time, for latency work (issue 23): per-stage timings
 * (fetch, queue wait, decode, handler, the client's requests by API), the event loop's delay and
 * GC pauses, logged as percentiles once per interval. Off unless `TW_BATCH_TIMINGS_MS` names the
 * interval: it costs a few array pushes per batch and request.
 */
export interface BatchTimings {
  record(stage: string, ms: number): void;
  close(): void;
}

// perf_hooks.constants.NODE_PERFORMANCE_GC_*: scavenge, mark-sweep-compact, incremental marking, weak callbacks.
const gcKinds: Record<number, string> = { 1: 'minor', 4: 'major', 8: 'incremental', 16: 'weakcb' };
const quantile = (sorted: readonly number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const round = (ms: number) => Math.round(ms * 10) / 10;

export function batchTimingsFromEnv(logger: Logger, env: NodeJS.ProcessEnv = process.env): BatchTimings | undefined {
  const intervalMs = Number(env['TW_BATCH_TIMINGS_MS'] ?? 0);
  if (!Number.isFinite(intervalMs) || intervalMs <= 0) return undefined;
  const stages = new Map<string, number[]>();
  const record = (stage: string, ms: number) => {
    let values = stages.get(stage);
    if (!values) stages.set(stage, (values = []));
    values.push(ms);
  };
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const gc = new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      record(`gc.${gcKinds[(e as { detail?: { kind?: number } }).detail?.kind ?? 0] ?? 'other'}`, e.duration);
  });
  gc.observe({ entryTypes: ['gc'] });
  const timer = setInterval(() => {
    const out: Record<string, { n: number; p50: number; p99: number; max: number; sum: number }> = {};
    for (const [stage, values] of stages) {
      if (values.length === 0) continue;
      values.sort((a, b) => a - b);
      out[stage] = {
        n: values.length,
        p50: round(quantile(values, 0.5)),
        p99: round(quantile(values, 0.99)),
        max: round(values[values.length - 1]!),
        sum: round(values.reduce((a, b) => a + b, 0)),
      };
      values.length = 0;
    }
    const lag = { p50: round(loop.percentile(50) / 1e6), p99: round(loop.percentile(99) / 1e6), max: round(loop.max / 1e6) };
    loop.reset();
    logger.info({ timings: out, eventLoopDelayMs: lag }, 'batch timings');
  }, intervalMs);
  timer.unref();
  return {
    record,
    close: () => {
      clearInterval(timer);
      gc.disconnect();
      loop.disable();
    },
  };
}
