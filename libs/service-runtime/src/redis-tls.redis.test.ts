import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateTestCertificates } from '@tidewater/dev-kafka';
import { freePort } from '@tidewater/dev-stack';
import { waitFor } from '@tidewater/test-support';
import { runtimeErrors } from './errors.js';
import { connectServiceRedis } from './redis-connection.js';
import { redisSecurityOptions } from './security-settings.js';

// A redis-server of this file's own on TLS only, with requirepass (issue 17): rediss:// with the CA
// from REDIS_TLS_CA_FILE and the password from REDIS_PASSWORD_FILE.
const dir = mkdtempSync(join(tmpdir(), 'tw-redis-tls-'));
const password = 'redis-tls-password-3c1d';
let server: ChildProcess;
let port: number;
let caFile: string;
let passwordFile: string;
const logger = pino({ level: 'silent' });

const listening = () =>
  new Promise<boolean>((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.end();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });

beforeAll(async () => {
  const certs = await generateTestCertificates(join(dir, 'certs'));
  caFile = certs.caFile;
  passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, `${password}\n`);
  port = await freePort();
  server = spawn(
    'redis-server',
    [
      ...['--port', '0', '--tls-port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      ...['--tls-cert-file', certs.serverCertFile, '--tls-key-file', certs.serverKeyFile, '--tls-auth-clients', 'no'],
      ...['--requirepass', password],
    ],
    { stdio: 'ignore' },
  );
  await waitFor(listening, { timeoutMs: 10_000, what: `redis-server TLS on ${port}` });
}, 60_000);

afterAll(() => {
  server?.kill('SIGKILL');
});

describe('Redis over TLS (rediss://) with REDIS_TLS_CA_FILE', () => {
  it('connects and authenticates when the CA is given', async () => {
    const redis = await connectServiceRedis(
      `rediss://127.0.0.1:${port}`,
      logger,
      redisSecurityOptions({ REDIS_TLS_CA_FILE: caFile, REDIS_PASSWORD_FILE: passwordFile }),
    );
    try {
      expect(await redis.ping()).toBe('PONG');
    } finally {
      redis.disconnect();
    }
  });

  it('fails at once with TW_RUNTIME_REDIS_TLS_FAILED on a certificate no trusted CA signed', async () => {
    const err: unknown = await connectServiceRedis(
      `rediss://127.0.0.1:${port}`,
      logger,
      redisSecurityOptions({ REDIS_PASSWORD_FILE: passwordFile }),
    ).catch((e: unknown) => e);
    expect(runtimeErrors.is(err, 'TW_RUNTIME_REDIS_TLS_FAILED')).toBe(true);
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
    expect((err as Error).message).toContain('REDIS_TLS_CA_FILE');
  });
});
