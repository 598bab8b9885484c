import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '@tidewater/logging';
import { runtimeErrors } from './errors.js';

/** How often, at most, a run of identical connection errors is logged again. */
const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Connects to the Redis that holds a service's state, with what every service needs around it:
 * connection errors go to the JSON log (ioredis otherwise prints "[ioredis] Unhandled error
 * event" to stderr on every reconnect attempt, outside the logs), and a Redis that may evict
 * keys is named at start, since eviction silently loses window state, dedupe ids and alert
 * groups (docs/adr/0004-redis-state-model.md).
 */
export async function connectServiceRedis(
  url: string,
  logger: Logger,
  security: Pick<RedisOptions, 'username' | 'password' | 'tls'> = {},
): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3, ...security });
  let authError: Error | undefined;
  let tlsError: Error | undefined;
  const logError = errorLogger(logger);
  redis.on('error', (err: Error) => {
    redactCommand(err);
    if (AUTH_REFUSED.test(err.message)) authError ??= err;
    if (isTlsVerifyError(err)) tlsError ??= err;
    logError(err);
  });
  try {
    await redis.connect();
  } catch (err) {
    // The boot fails: stop ioredis reconnecting in the background (forever, for a refused password
    // or certificate, which cannot succeed).
    redis.disconnect();
    const { host, port, username } = redis.options;
    if (tlsError) {
      throw runtimeErrors.create(
        'TW_RUNTIME_REDIS_TLS_FAILED',
        `Redis at ${host}:${port}: TLS verification failed (${tlsError.message}); is REDIS_TLS_CA_FILE the CA that signed its certificate?`,
        { cause: tlsError, details: { host, port } },
      );
    }
    if (!authError) throw err;
    throw runtimeErrors.create(
      'TW_RUNTIME_REDIS_AUTH_FAILED',
      `Redis at ${host}:${port} refused AUTH for user ${JSON.stringify(username || 'default')}: ${authError.message}`,
      { cause: authError, details: { host, port, username: username || 'default' } },
    );
  }
  await warnIfRedisEvicts(redis, logger);
  return redis;
}

// WRONGPASS: a wrong user or password; NOAUTH: no password given to a Redis that needs one.
const AUTH_REFUSED = /^(WRONGPASS|NOAUTH)\b/;

/** Node's codes for a certificate that does not verify (unknown CA, wrong name, expired). */
function isTlsVerifyError(err: Error): boolean {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALTNAME/.test(code);
}

/**
 * ioredis's ReplyError carries the failed command with its arguments, which for AUTH (and HELLO
 * with AUTH) is the password: blanked before the error reaches a log or a cause chain.
 */
function redactCommand(err: Error): void {
  const command = (err as { command?: { name?: unknown; args?: unknown } }).command;
  if (command && typeof command.name === 'string' && /^(auth|hello)$/i.test(command.name)) command.args = ['[redacted]'];
}

/** Logs the first error of a run at once, then at most one line per interval with the count since. */
function errorLogger(logger: Logger, now: () => number = Date.now): (err: Error) => void {
  let lastMessage = '';
  let lastLogged = 0;
  let suppressed = 0;
  return (err) => {
    const t = now();
    if (err.message === lastMessage && t - lastLogged < ERROR_LOG_INTERVAL_MS) {
      suppressed++;
      return;
    }
    logger.warn({ err, repeated: suppressed }, 'Redis connection error; ioredis reconnects');
    lastMessage = err.message;
    lastLogged = t;
    suppressed = 0;
  };
}

/**
 * Warns when the connected Redis has a memory limit and a policy other than `noeviction`: under
 * that limit it would drop our keys instead of refusing writes. Managed Redis services often
 * refuse CONFIG; then the policy is logged as unknown.
 */
export async function warnIfRedisEvicts(redis: Redis, logger: Logger): Promise<'evicts' | 'safe' | 'unknown'> {
  let config: Record<string, string>;
  try {
    const pairs = (await redis.config('GET', 'maxmemory*')) as string[];
    config = Object.fromEntries(Array.from({ length: pairs.length / 2 }, (_, i) => [pairs[2 * i]!, pairs[2 * i + 1]!]));
  } catch (err) {
    logger.info({ err }, 'cannot read Redis maxmemory-policy (CONFIG refused); make sure it is noeviction');
    return 'unknown';
  }
  const policy = config['maxmemory-policy'] ?? 'unknown';
  const maxmemory = Number(config['maxmemory'] ?? 0);
  if (maxmemory > 0 && policy !== 'noeviction') {
    logger.warn(
      { maxmemory, policy },
      'Redis may evict keys: it has a memory limit and maxmemory-policy is not noeviction; service state would be lost silently',
    );
    return 'evicts';
  }
  return 'safe';
}
