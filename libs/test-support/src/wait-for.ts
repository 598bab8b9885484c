import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitForOptions {
  /** Fail after this long; every wait in a test has a deadline. */
  readonly timeoutMs: number;
  /** Pause between checks; default 20 ms. */
  readonly intervalMs?: number;
  /** What is awaited, for the timeout message ("3 predictions on topic x"); a function is read at the deadline. */
  readonly what: string | (() => string);
}

/**
 * Polls `check` until it returns something other than `undefined`, `null` or `false`, and returns
 * that value; throws past the deadline, naming `what`. For the waits no event or sentinel record
 * can replace (a process becoming ready, a broker-side state); a check that throws fails the wait.
 */
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitForOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) {
      const what = typeof options.what === 'string' ? options.what : options.what();
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}`);
    }
    await sleep(options.intervalMs ?? 20);
  }
}
