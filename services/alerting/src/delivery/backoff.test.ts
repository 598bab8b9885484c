import { describe, expect, it } from 'vitest';
import { maxRetryAfterMs, retryDelayMs } from './backoff.js';

const policy = { baseMs: 1000, maxMs: 60_000, maxAttempts: 10 };

describe('retryDelayMs', () => {
  it('doubles the ceiling per attempt up to maxMs', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 6, 7, 8, 50].map((n) => retryDelayMs(n, policy, top))).toEqual([
      999, 1999, 3999, 7999, 31_999, 59_999, 59_999, 59_999,
    ]);
  });

  it('draws uniformly below the ceiling (full jitter)', () => {
    expect(retryDelayMs(3, policy, () => 0)).toBe(0);
    expect(retryDelayMs(3, policy, () => 0.5)).toBe(2000);
  });

  it('lets a longer Retry-After win, capped at an hour, and a shorter one lose', () => {
    expect(retryDelayMs(1, policy, () => 0.5, 5000)).toBe(5000);
    expect(retryDelayMs(4, policy, () => 0.5, 1000)).toBe(4000);
    expect(retryDelayMs(1, policy, () => 0.5, 86_400_000)).toBe(maxRetryAfterMs);
  });
});
