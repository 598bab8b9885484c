import type { Redis } from 'ioredis';

/**
 * A token bucket per API key in Redis, so every ingestion replica draws from the same bucket.
 * Refill and take happen in one Lua script on Redis's clock (TIME), so replicas' clocks do not matter.
 * A take larger than the burst (a per-key burst below HTTP_MAX_BATCH) passes on a full bucket and leaves it
 * in debt: charging only the burst would let such a key exceed its rate, refusing it would never pass.
 * Returns 1 and the tokens left (negative in debt), or 0 and the milliseconds until the take would pass.
 */
const bucketScript = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate / 1000)
local need = math.min(cost, burst)
local left = tokens
if tokens >= need then left = tokens - cost end
redis.call('HSET', KEYS[1], 'tokens', tostring(left), 'at', tostring(now))
-- Kept until the bucket would be full again (a missing bucket reads as full), debt included.
redis.call('PEXPIRE', KEYS[1], math.ceil((burst - left) * 1000 / rate) + 1000)
if tokens >= need then return {1, math.floor(left)} end
return {0, math.ceil((need - tokens) * 1000 / rate)}`;

export type TakeResult =
  { readonly allowed: true; readonly remaining: number } | { readonly allowed: false; readonly retryAfterMs: number };

export interface RateLimiter {
  /** Takes `cost` tokens (one per event) from the key's bucket, or says when to come back. */
  take(keyId: string, cost: number, limits: { ratePerSecond: number; burst: number }): Promise<TakeResult>;
}

export function createRedisRateLimiter(redis: Redis, prefix: string): RateLimiter {
  return {
    async take(keyId, cost, limits) {
      const [allowed, n] = (await redis.eval(
        bucketScript,
        1,
        `${prefix}ratelimit:${keyId}`,
        String(limits.ratePerSecond),
        String(limits.burst),
        String(cost),
      )) as [number, number];
      return allowed === 1 ? { allowed: true, remaining: n } : { allowed: false, retryAfterMs: n };
    },
  };
}
