/** How a retriable failure is retried. */
export interface RetryPolicy {
  /** The first retry waits up to this long; each further one doubles the ceiling. */
  readonly baseMs: number;
  /** The ceiling never grows past this. */
  readonly maxMs: number;
  /** Attempts (the first send included) before a notification is parked as exhausted. */
  readonly maxAttempts: number;
}

/** A receiver's Retry-After is honoured up to an hour: a bogus header must not park a page for a day. */
export const maxRetryAfterMs = 3_600_000;

/**
 * The wait before the next attempt after `attempts` failed ones: exponential backoff with full
 * jitter (a uniform draw below the ceiling, so replicas retrying together spread out), or the
 * receiver's Retry-After when that asks for longer.
 */
export function retryDelayMs(attempts: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempts - 1));
  const backoff = Math.floor(random() * ceiling);
  return retryAfterMs === undefined ? backoff : Math.max(backoff, Math.min(retryAfterMs, maxRetryAfterMs));
}
