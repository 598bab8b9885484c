import { describe, expect, it } from 'vitest';
import type { RateLimiter } from '../src/rate-limit.js';

/** A rate limiter under test and a way to let its buckets refill. */
export interface RateLimitSubject {
  make(): RateLimiter;
  /** Lets `ms` pass for the buckets: a fake clock in memory, real time on Redis. */
  elapse(ms: number): Promise<void>;
}

/**
 * The token bucket's rules: the Redis script (rate-limit.redis.test.ts) and the in-memory limiter
 * the HTTP tests use (rate-limit.test.ts) are both checked against them.
 */
export function describeRateLimitRules(name: string, { make, elapse }: RateLimitSubject): void {
  describe(`token bucket (${name})`, () => {
    it('spends the burst, says when enough tokens are back, and refills at the rate', async () => {
      const limiter = make();
      const limits = { ratePerSecond: 10, burst: 5 };
      expect(await limiter.take('k', 5, limits)).toEqual({ allowed: true, remaining: 0 });
      const denied = await limiter.take('k', 2, limits);
      expect(denied.allowed).toBe(false);
      // Two tokens at 10/s: about 200 ms (less the few ms since the first take on a real clock).
      expect(!denied.allowed && denied.retryAfterMs).toBeGreaterThan(150);
      expect(!denied.allowed && denied.retryAfterMs).toBeLessThanOrEqual(200);
      await elapse(260);
      expect(await limiter.take('k', 2, limits)).toMatchObject({ allowed: true });
      // Buckets are per key.
      expect(await limiter.take('other', 5, limits)).toEqual({ allowed: true, remaining: 0 });
    });

    it('charges a take larger than the burst in full: it passes on a full bucket and leaves a debt to wait out', async () => {
      const limiter = make();
      const limits = { ratePerSecond: 10, burst: 5 };
      expect(await limiter.take('big', 8, limits)).toEqual({ allowed: true, remaining: -3 });
      const denied = await limiter.take('big', 1, limits);
      // From -3 to 1 token at 10/s: about 400 ms, not the 100 ms a take capped at the burst would leave.
      expect(denied.allowed).toBe(false);
      expect(!denied.allowed && denied.retryAfterMs).toBeGreaterThan(350);
      expect(!denied.allowed && denied.retryAfterMs).toBeLessThanOrEqual(400);
    });
  });
}
