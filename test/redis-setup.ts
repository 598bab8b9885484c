import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { redisAnswers, stopStackProcess, startRedis } from '@tidewater/dev-stack';

/**
 * The `redis` project's Redis, handed to its files as `inject('redisUrl')` (declared in
 * libs/test-support/src/provided-context.ts): REDIS_URL when it answers, else a redis-server of
 * its own on a free port in a temp directory. Nothing assumes a Redis at 127.0.0.1:6379.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wanted = process.env['REDIS_URL'];
  if (wanted && (await redisAnswers(wanted))) {
    project.provide('redisUrl', wanted);
    return async () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tw-test-redis-'));
  // startRedis spawns redis-server on a free port unless the URL it is given answers.
  const redis = await startRedis(dir, 'redis://127.0.0.1:1');
  project.provide('redisUrl', redis.url);
  return async () => {
    await stopStackProcess(redis.pid, 3000);
    rmSync(dir, { recursive: true, force: true });
  };
}
