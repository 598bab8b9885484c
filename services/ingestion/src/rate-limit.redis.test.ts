import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createRedisRateLimiter } from './rate-limit.js';

const redisUrl = inject('redisUrl');
const prefix = `tw:test:ingestion-ratelimit:${randomUUID()}:`;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(redisUrl);
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

describe('token bucket in Redis', () => {
  it('spends the burst, says when enough tokens are back, and refills at the rate', async () => {
    const limiter = createRedisRateLimiter(redis, prefix);
    const limits = { ratePerSecond: 10, burst: 5 };
    expect(await limiter.take('k', 5, limits)).toEqual({ allowed: true, remaining: 0 });
    const denied = await limiter.take('k', 2, limits);
    expect(denied.allowed).toBe(false);
    // Two tokens at 10/s: about 200 ms (less the few ms since the first take).
    expect(!denied.allowed && denied.retryAfterMs).toBeGreaterThan(150);
    expect(!denied.allowed && denied.retryAfterMs).toBeLessThanOrEqual(200);
    await sleep(260);
    expect(await limiter.take('k', 2, limits)).toMatchObject({ allowed: true });
    // Buckets are per key.
    expect(await limiter.take('other', 5, limits)).toEqual({ allowed: true, remaining: 0 });
  });

  it('charges a take larger than the burst in full: it passes on a full bucket and leaves a debt to wait out', async () => {
    const limiter = createRedisRateLimiter(redis, prefix);
    const limits = { ratePerSecond: 10, burst: 5 };
    expect(await limiter.take('big', 8, limits)).toEqual({ allowed: true, remaining: -3 });
    const denied = await limiter.take('big', 1, limits);
    // From -3 to 1 token at 10/s: about 400 ms, not the 100 ms a take capped at the burst would leave.
    expect(denied.allowed).toBe(false);
    expect(!denied.allowed && denied.retryAfterMs).toBeGreaterThan(350);
    expect(!denied.allowed && denied.retryAfterMs).toBeLessThanOrEqual(400);
    // The debt outlives the burst's own refill time (500 ms): the key is not reset to a full bucket early.
    expect(await redis.pttl(`${prefix}ratelimit:big`)).toBeGreaterThan(1500);
  });

  it('shares one bucket between limiters on the same Redis (replicas)', async () => {
    const a = createRedisRateLimiter(redis, prefix);
    const other = new Redis(redisUrl);
    const b = createRedisRateLimiter(other, prefix);
    const limits = { ratePerSecond: 1, burst: 3 };
    expect(await a.take('shared', 2, limits)).toMatchObject({ allowed: true });
    expect(await b.take('shared', 2, limits)).toMatchObject({ allowed: false });
    expect(await b.take('shared', 1, limits)).toMatchObject({ allowed: true });
    await other.quit();
  });
});
