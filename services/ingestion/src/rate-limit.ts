import type { Redis } from 'ioredis';

/**
 * A token bucket per API key in Redis, so every ingestion replica draws from the same bucket.
 * Refill and take happen in one Lua script on Redis's clock (TIME), so replicas' clocks do not matter.
 * Returns 1 and the tokens left, or 0 and the milliseconds until `cost` tokens are there.
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
local ttl = math.ceil(burst / rate * 1000) + 1000
if tokens >= cost then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - cost), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[1], ttl)
  return {1, math.floor(tokens - cost)}
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], ttl)
return {0, math.ceil((cost - tokens) * 1000 / rate)}`;

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
