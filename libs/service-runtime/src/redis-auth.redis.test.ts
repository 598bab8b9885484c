import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '@tidewater/dev-stack';
import { waitFor } from '@tidewater/test-support';
import { runtimeErrors } from './errors.js';
import { connectServiceRedis } from './redis-connection.js';
import { redisSecurityOptions } from './security-settings.js';

// A redis-server of this file's own with requirepass (issue 17): the password comes from a file,
// as REDIS_PASSWORD_FILE names a mounted Secret.
const password = 'redis-test-password-7f3a';
const dir = mkdtempSync(join(tmpdir(), 'tw-redis-auth-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
let server: ChildProcess;
let url: string;
const logger = pino({ level: 'silent' });

beforeAll(async () => {
  const port = await freePort();
  server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--requirepass', password],
    {
      stdio: 'ignore',
    },
  );
  url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, password, retryStrategy: () => null });
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
});

afterAll(() => {
  server.kill('SIGKILL');
});

describe('Redis AUTH from REDIS_PASSWORD_FILE', () => {
  it('connects with the password read from the file (its trailing newline dropped)', async () => {
    const redis = await connectServiceRedis(url, logger, redisSecurityOptions({ REDIS_PASSWORD_FILE: file('right', `${password}\n`) }));
    try {
      expect(await redis.set('tw:test:auth', '1')).toBe('OK');
    } finally {
      redis.disconnect();
    }
  });

  it('fails at once with TW_RUNTIME_REDIS_AUTH_FAILED naming the server, for a wrong password or none, logging no password', async () => {
    const lines: string[] = [];
    const capture = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    for (const security of [redisSecurityOptions({ REDIS_PASSWORD_FILE: file('wrong', 'not-the-password\n') }), {}]) {
      const err: unknown = await connectServiceRedis(url, capture, security).catch((e: unknown) => e);
      expect(runtimeErrors.is(err, 'TW_RUNTIME_REDIS_AUTH_FAILED')).toBe(true);
      const e = err as Error & { retriable: boolean };
      expect(e.retriable).toBe(false);
      expect(e.message).toContain(url.slice('redis://'.length));
      expect(e.message).toMatch(/WRONGPASS|NOAUTH/);
      expect(e.message).not.toContain('not-the-password');
      // ioredis's ReplyError holds the AUTH command's arguments: the password, unless blanked.
      expect(JSON.stringify((e.cause as { command?: unknown }).command)).not.toContain('not-the-password');
    }
    expect(lines.join('\n')).toContain('WRONGPASS');
    expect(lines.join('\n')).not.toContain('not-the-password');
  });

  it('names an unreadable password file', () => {
    expect(() => redisSecurityOptions({ REDIS_PASSWORD_FILE: join(dir, 'missing') })).toThrow(
      expect.objectContaining({ code: 'TW_RUNTIME_SECRET_UNREADABLE', message: expect.stringContaining(join(dir, 'missing')) as string }),
    );
  });
});
