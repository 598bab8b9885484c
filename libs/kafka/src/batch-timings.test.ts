import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { batchTimingsFromEnv } from './batch-timings.js';

describe('batch timings', () => {
  it('are off unless TW_BATCH_TIMINGS_MS names an interval', () => {
    expect(batchTimingsFromEnv(pino({ enabled: false }), {})).toBeUndefined();
    expect(batchTimingsFromEnv(pino({ enabled: false }), { TW_BATCH_TIMINGS_MS: '0' })).toBeUndefined();
  });

  it('log each stage’s count, percentiles, max and sum once per interval, then start afresh', async () => {
    const logger = pino({ enabled: false });
    const info = vi.spyOn(logger, 'info');
    const timings = batchTimingsFromEnv(logger, { TW_BATCH_TIMINGS_MS: '20' })!;
    for (let ms = 1; ms <= 100; ms++) timings.record('handle', ms);
    timings.record('request.OffsetCommit', 4);
    await vi.waitFor(() => expect(info).toHaveBeenCalled(), { timeout: 2000 });
    const [fields, message] = info.mock.calls[0]! as unknown as [
      { timings: Record<string, { n: number; p50: number; p99: number; max: number; sum: number }>; eventLoopDelayMs: { p99: number } },
      string,
    ];
    expect(message).toBe('batch timings');
    expect(fields.timings['handle']).toEqual({ n: 100, p50: 51, p99: 100, max: 100, sum: 5050 });
    expect(fields.timings['request.OffsetCommit']).toEqual({ n: 1, p50: 4, p99: 4, max: 4, sum: 4 });
    expect(fields.eventLoopDelayMs.p99).toBeGreaterThanOrEqual(0);
    info.mockClear();
    await vi.waitFor(() => expect(info).toHaveBeenCalled(), { timeout: 2000 });
    expect((info.mock.calls[0]![0] as { timings: Record<string, unknown> }).timings['handle']).toBeUndefined();
    timings.close();
  });
});
