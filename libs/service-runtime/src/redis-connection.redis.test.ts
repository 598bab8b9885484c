import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@tidewater/dev-stack';
import { waitFor } from '@tidewater/test-support';
import { connectServiceRedis } from './redis-connection.js';

// Each test runs a redis-server of its own: the memory settings under test must not touch the
// project's shared Redis.
const servers: ChildProcess[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  for (const s of servers.splice(0)) s.kill('SIGKILL');
});

async function redisServer(...args: string[]): Promise<{ url: string; server: ChildProcess }> {
  const port = await freePort();
  const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args], {
    stdio: 'ignore',
  });
  servers.push(server);
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, retryStrategy: () => null });
  probe.on('error', () => undefined);
  await waitFor(
    () =>
      probe.connect().then(
        () => true,
        () => false,
      ),
    { timeoutMs: 10_000, what: `redis-server on ${port}` },
  );
  probe.disconnect();
  return { url, server };
}

function capturedLogger(): { logger: pino.Logger; lines: { level: number; msg: string; [k: string]: unknown }[] } {
  const lines: { level: number; msg: string }[] = [];
  return {
    logger: pino({ level: 'info' }, { write: (l: string) => void lines.push(JSON.parse(l) as { level: number; msg: string }) }),
    lines,
  };
}

describe('connectServiceRedis', () => {
  it('warns at start when Redis has a memory limit and may evict keys', async () => {
    const { url } = await redisServer('--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru');
    const { logger, lines } = capturedLogger();
    clients.push(await connectServiceRedis(url, logger));
    const warning = lines.find((l) => l.msg.startsWith('Redis may evict keys'));
    expect(warning).toMatchObject({ level: 40, policy: 'allkeys-lru', maxmemory: 64 * 1024 * 1024 });
  });

  it('says nothing with noeviction, or without a memory limit', async () => {
    for (const args of [
      ['--maxmemory', '64mb', '--maxmemory-policy', 'noeviction'],
      ['--maxmemory', '0', '--maxmemory-policy', 'allkeys-lru'],
    ]) {
      const { url } = await redisServer(...args);
      const { logger, lines } = capturedLogger();
      clients.push(await connectServiceRedis(url, logger));
      expect(lines.filter((l) => l.level >= 40)).toEqual([]);
    }
  });

  it('logs connection errors as JSON, not as unhandled error events, and reconnects', async () => {
    const { url, server } = await redisServer();
    const { logger, lines } = capturedLogger();
    const redis = await connectServiceRedis(url, logger);
    clients.push(redis);
    expect(redis.listenerCount('error')).toBeGreaterThan(0); // without one ioredis prints to stderr
    server.kill('SIGKILL');
    await waitFor(() => lines.find((l) => l.msg === 'Redis connection error; ioredis reconnects'), {
      timeoutMs: 10_000,
      what: 'a logged connection error',
    });
    // Reconnect attempts repeat the same error many times a second; the log gets one line for the run.
    await waitFor(() => redis.status === 'reconnecting' || redis.status === 'connecting', { timeoutMs: 10_000, what: 'reconnecting' });
    expect(lines.filter((l) => l.msg === 'Redis connection error; ioredis reconnects').length).toBeLessThanOrEqual(2);
  });
});
