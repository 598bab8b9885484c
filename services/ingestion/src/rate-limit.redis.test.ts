import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { describeRateLimitRules } from '../test/rate-limit-contract.js';
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

// Buckets refill on Redis's clock (TIME), so the refill test lets real time pass.
describeRateLimitRules('redis', { make: () => createRedisRateLimiter(redis, prefix), elapse: (ms) => sleep(ms) });

describe('token bucket in Redis', () => {
  it('keeps a bucket in debt until the debt is paid back, past the burst refill time', async () => {
    const limiter = createRedisRateLimiter(redis, prefix);
    expect(await limiter.take('debt', 8, { ratePerSecond: 10, burst: 5 })).toEqual({ allowed: true, remaining: -3 });
    // The debt outlives the burst's own refill time (500 ms): the key is not reset to a full bucket early.
    expect(await redis.pttl(`${prefix}ratelimit:debt`)).toBeGreaterThan(1500);
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
