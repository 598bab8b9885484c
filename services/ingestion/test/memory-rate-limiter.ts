import type { RateLimiter } from '../src/rate-limit.js';

/** One bucket's state, as the Redis script keeps it in a hash. */
interface Bucket {
  tokens: number;
  at: number;
}

/**
 * The token bucket of createRedisRateLimiter in memory, for unit tests: the same arithmetic as its
 * Lua script, on the clock the test passes. Limiters made with one `buckets` map share them, as
 * replicas on one Redis do. The two are checked against the same rules (rate-limit-contract.ts).
 */
export function createMemoryRateLimiter(opts: { now?: () => number; buckets?: Map<string, Bucket> } = {}): RateLimiter {
  const now = opts.now ?? Date.now;
  const buckets = opts.buckets ?? new Map<string, Bucket>();
  return {
    async take(keyId, cost, { ratePerSecond: rate, burst }) {
      const t = now();
      const state = buckets.get(keyId);
      // A bucket Redis expired is full again; refilling an old state up to the burst gives the same.
      const tokens = Math.min(burst, (state?.tokens ?? burst) + (Math.max(0, t - (state?.at ?? t)) * rate) / 1000);
      const need = Math.min(cost, burst);
      const allowed = tokens >= need;
      const left = allowed ? tokens - cost : tokens;
      buckets.set(keyId, { tokens: left, at: t });
      return allowed ? { allowed, remaining: Math.floor(left) } : { allowed, retryAfterMs: Math.ceil(((need - tokens) * 1000) / rate) };
    },
  };
}
