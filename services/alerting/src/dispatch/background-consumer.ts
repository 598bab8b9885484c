import type { ConsumerRunner } from '@tidewater/kafka';
import type { Logger } from '@tidewater/logging';
import { alertingErrors } from '../errors.js';

export interface BackgroundConsumer extends ConsumerRunner {
  /** Resolves when this member has joined its group; rejects with what it is waiting for (a readiness check). */
  joined(): Promise<void>;
}

/**
 * The alerts consumer, started without holding anything else up (issue 21): kafkajs's connect
 * gives up after its bounded retries when Kafka is unreachable, and a runner cannot be started
 * twice, so each attempt is a fresh runner from `make`, retried after a pause until one runs or
 * close() is called. Delivery and group flushing never wait for it.
 */
export function backgroundConsumer(opts: {
  readonly make: () => ConsumerRunner;
  readonly groupId: string;
  readonly logger: Logger;
  /** Pause before the next attempt, by attempt number (1-based). */
  readonly retryDelayMs?: (attempt: number) => number;
}): BackgroundConsumer {
  const delay = opts.retryDelayMs ?? ((attempt) => Math.min(30_000, 1000 * attempt));
  let current = opts.make();
  let running = false;
  let hasJoined = false;
  let attempts = 0;
  let lastError: unknown;
  let closing: Promise<void> | undefined;
  let wake: (() => void) | undefined;
  let onAssigned: () => void = () => undefined;
  const assignedOnce = new Promise<void>((resolve) => (onAssigned = resolve));
  let onCrashed: (err: unknown) => void = () => undefined;
  const crashedOnce = new Promise<unknown>((resolve) => (onCrashed = resolve));

  // Registered once here and fed by every runner the loop makes.
  const joinListeners: (() => void)[] = [];

  function watch(runner: ConsumerRunner): void {
    runner.onGroupJoin(() => {
      hasJoined = true;
      for (const listener of joinListeners) listener();
    });
    void runner.assigned().then(() => onAssigned());
    void runner.crashed().then((err) => onCrashed(err));
  }

  async function loop(): Promise<void> {
    for (;;) {
      attempts++;
      try {
        await current.start();
        running = true;
        return;
      } catch (err) {
        lastError = err;
        if (closing) return;
        const waitMs = delay(attempts);
        opts.logger.warn({ err, attempt: attempts, retryInMs: waitMs }, 'alerts consumer could not start; delivery goes on, trying again');
        await current.close().catch(() => undefined);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, waitMs).unref();
        });
        if (closing) return;
        current = opts.make();
        watch(current);
      }
    }
  }

  watch(current);
  let started: Promise<void> | undefined;
  return {
    onGroupJoin: (listener) => void joinListeners.push(listener),
    pause: (partitions) => current.pause(partitions),
    resume: (partitions) => current.resume(partitions),
    start() {
      started ??= loop();
      return started;
    },
    assigned: () => assignedOnce,
    crashed: () => crashedOnce,
    async joined() {
      if (hasJoined) return;
      const why = running
        ? 'is running but has not joined its group'
        : attempts === 0
          ? 'has not started'
          : `cannot reach Kafka yet (attempt ${attempts})`;
      const cause = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
      throw alertingErrors.create('TW_ALERT_CONSUMER_NOT_READY', `the alerts consumer (group ${opts.groupId}) ${why}${cause}`, {
        ...(lastError === undefined ? {} : { cause: lastError }),
      });
    },
    close() {
      closing ??= (async () => {
        wake?.();
        // A connect still retrying has nothing to commit: let it give up on its own rather than wait for it.
        if (running) await current.close();
        else void current.close().catch(() => undefined);
      })();
      return closing;
    },
  };
}
