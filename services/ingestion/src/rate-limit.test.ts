import { describe, expect, it } from 'vitest';
import { createMemoryRateLimiter } from '../test/memory-rate-limiter.js';
import { describeRateLimitRules } from '../test/rate-limit-contract.js';

// The in-memory limiter the HTTP tests use, on a clock of the test's own: buckets refill without waiting.
let now = 1_000_000;
describeRateLimitRules('memory', {
  make: () => createMemoryRateLimiter({ now: () => now }),
  elapse: async (ms) => {
    now += ms;
  },
});

describe('in-memory token bucket', () => {
  it('shares buckets between limiters made with one map, as replicas on one Redis do', async () => {
    const buckets = new Map();
    const a = createMemoryRateLimiter({ now: () => now, buckets });
    const b = createMemoryRateLimiter({ now: () => now, buckets });
    const limits = { ratePerSecond: 1, burst: 3 };
    expect(await a.take('shared', 2, limits)).toMatchObject({ allowed: true });
    expect(await b.take('shared', 2, limits)).toMatchObject({ allowed: false });
    expect(await b.take('shared', 1, limits)).toMatchObject({ allowed: true });
  });
});
