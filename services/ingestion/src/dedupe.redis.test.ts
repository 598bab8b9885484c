import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, inject } from 'vitest';
import { describeDedupeRules } from '../test/dedupe-contract.js';
import { createRedisDedupe } from './dedupe.js';

const prefix = `tw:test:ingestion-dedupe:${randomUUID()}:`;
let redis: Redis;

beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});

// The TTLs are Redis's own (PEXPIRE on its clock), so the lease tests let real time pass.
describeDedupeRules('redis', {
  make: (pendingMs) => createRedisDedupe(redis, { prefix: `${prefix}${randomUUID()}:`, windowMs: 60_000, pendingMs }),
  elapse: (ms) => sleep(ms),
});
