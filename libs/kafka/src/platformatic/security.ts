import { AuthenticationError } from '@platformatic/kafka';
import type { KafkaClientSettings } from '../kafka-client.js';
import { kafkaAuthFailed } from '../security.js';

/**
 * The library's AuthenticationError in an error's chain: a broker refused the SASL handshake or the
 * credentials. The library raises it as the `cause` of a NetworkError, inside a MultipleErrors of
 * one attempt per broker (and per retry); its `findErrorBy` follows `errors` but not `cause`, so
 * this walks both.
 */
function refusal(err: unknown, depth = 0): Error | undefined {
  if (!(err instanceof Error) || depth > 8) return undefined;
  if ((err as { code?: unknown }).code === AuthenticationError.code) return err;
  for (const inner of err instanceof AggregateError ? (err.errors as unknown[]) : []) {
    const found = refusal(inner, depth + 1);
    if (found) return found;
  }
  return refusal(err.cause, depth + 1);
}

/**
 * `err`, or TW_KAFKA_AUTH_FAILED when a broker refused our credentials, naming the mechanism, the
 * user and the brokers as the kafkajs path does (kafkajs/security.ts); its cause is the library's
 * AuthenticationError itself, whose cause holds the broker's answer.
 */
/** True when a broker refused our SASL credentials somewhere in the error's chain. */
export function isAuthRefusal(err: unknown): boolean {
  return refusal(err) !== undefined;
}

export function namingAuthFailure(err: unknown, settings: KafkaClientSettings): unknown {
  const refused = refusal(err);
  return refused ? kafkaAuthFailed(refused, settings.security, settings.brokers) : err;
}

/** Wraps each method of `target` that returns a promise so a refused login rejects with TW_KAFKA_AUTH_FAILED. */
export function namingAuthFailures<T extends object>(target: T, settings: KafkaClientSettings, methods: readonly (keyof T)[]): T {
  const out = { ...target };
  for (const name of methods) {
    const fn = target[name];
    if (typeof fn !== 'function') continue;
    out[name] = ((...args: unknown[]) =>
      (fn as (...a: unknown[]) => Promise<unknown>).apply(target, args).catch((err: unknown) => {
        throw namingAuthFailure(err, settings);
      })) as T[keyof T];
  }
  return out;
}
