import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { redisAnswers, stopStackProcess, startRedis } from '@tidewater/dev-stack';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The Redis this project's unit files use: REDIS_URL when it answers, else one started here. */
    redisUrl: string;
  }
}

/**
 * Ten unit-test files still talk to a real Redis; until they move to in-memory fakes or to the
 * integration project (the house-in-order issue), this setup gives them one and hands its URL
 * over with `provide('redisUrl')`: REDIS_URL when it answers, else a redis-server of its own on a
 * free port. Nothing assumes a Redis at 127.0.0.1:6379, which no machine of ours starts.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const wanted = process.env['REDIS_URL'];
  if (wanted && (await redisAnswers(wanted))) {
    project.provide('redisUrl', wanted);
    return async () => undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'tw-unit-redis-'));
  // startRedis spawns redis-server on a free port unless the URL it is given answers.
  const redis = await startRedis(dir, 'redis://127.0.0.1:1');
  project.provide('redisUrl', redis.url);
  return async () => {
    await stopStackProcess(redis.pid, 3000);
    rmSync(dir, { recursive: true, force: true });
  };
}
