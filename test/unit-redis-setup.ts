import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redisAnswers, stopStackProcess, startRedis } from '@tidewater/dev-stack';

/**
 * Ten unit-test files still talk to a real Redis (REDIS_URL, default 127.0.0.1:6379); until they
 * move to in-memory fakes or to the integration project (the house-in-order issue), this setup
 * gives them one: REDIS_URL when it answers, else a redis-server of their own on a free port,
 * passed to the test workers through REDIS_URL.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const wanted = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  if (await redisAnswers(wanted)) {
    process.env['REDIS_URL'] = wanted;
    return async () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tw-unit-redis-'));
  const redis = await startRedis(dir, wanted);
  process.env['REDIS_URL'] = redis.url;
  return async () => {
    await stopStackProcess(redis.pid, 3000);
    rmSync(dir, { recursive: true, force: true });
  };
}
