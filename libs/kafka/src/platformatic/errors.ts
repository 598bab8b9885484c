import { findErrorBy } from '@platformatic/kafka';
import type { KafkaClientSettings } from '../kafka-client.js';
import { isAuthRefusal, namingAuthFailure } from './security.js';

/**
 * True when @platformatic/kafka may succeed on a retry: every error in the chain it raised allows
 * it (its own rule for retrying), and at least one came from the library.
 */
export function isRetriable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return !findErrorBy(err, 'canRetry', false);
}

/**
 * True when no broker answered: a network error or a request timeout somewhere in the chain, but
 * not a refused login, which the library reports as a network error and resending does not cure.
 */
export function isUnreachable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  if (isAuthRefusal(err)) return false;
  return Boolean(findErrorBy(err, 'code', 'PLT_KFK_NETWORK') ?? findErrorBy(err, 'code', 'PLT_KFK_TIMEOUT'));
}

/** Marks a rejection with `retriable`, as kafkajs errors carry it, so callers read one flag whichever client. */
function marked(err: unknown): unknown {
  if (err instanceof Error && !('retriable' in err))
    Object.defineProperty(err, 'retriable', { value: isRetriable(err), enumerable: false });
  return err;
}

/** Wraps each async method so its errors carry `retriable`, a refused login becoming TW_KAFKA_AUTH_FAILED. */
export function withRetriable<T extends object>(settings: KafkaClientSettings, target: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(target)) {
    out[name] =
      typeof fn === 'function'
        ? (...args: unknown[]) =>
            (fn as (...a: unknown[]) => Promise<unknown>)(...args).catch((err: unknown) => {
              throw marked(namingAuthFailure(err, settings));
            })
        : fn;
  }
  return out as T;
}
