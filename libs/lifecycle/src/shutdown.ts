import type { Logger } from 'pino';
import { defineErrors } from '@tidewater/errors';

export const lifecycleErrors = defineErrors('TW_LIFECYCLE_', {
  TW_LIFECYCLE_CLOSING: { retriable: false, description: 'A shutdown step was added after shutdown had started: a wiring bug.' },
});

/** How long each telemetry/log step may take once the deadline has passed. */
const alwaysGraceMs = 1000;

export interface ShutdownStep {
  readonly name: string;
  readonly run: () => Promise<void>;
  /** Runs even after the deadline passed (flushing telemetry and logs), with a short grace of its own. */
  readonly always?: boolean;
}

export interface ShutdownResult {
  /** True when every step finished before the deadline without throwing. */
  readonly clean: boolean;
  readonly failed: readonly string[];
  readonly timedOut: boolean;
}

export interface Shutdown {
  /**
   * Registers a step. Steps run in reverse order of registration: what was started last
   * (the consumer) stops first, what was started first (telemetry, logs) flushes last.
   */
  add(name: string, run: () => Promise<void>, opts?: { always?: boolean }): void;
  /** Runs every step once, within the deadline; later calls return the same promise. */
  run(reason: string): Promise<ShutdownResult>;
  readonly closing: boolean;
}

/** The one shutdown owner of a process. */
export function createShutdown(opts: { logger: Logger; deadlineMs: number }): Shutdown {
  const steps: ShutdownStep[] = [];
  let result: Promise<ShutdownResult> | undefined;

  async function runSteps(reason: string): Promise<ShutdownResult> {
    const started = Date.now();
    opts.logger.info({ reason, deadlineMs: opts.deadlineMs }, 'shutting down');
    const failed: string[] = [];
    let timedOut = false;
    const deadline = new Promise<'deadline'>((resolve) => setTimeout(() => resolve('deadline'), opts.deadlineMs).unref());
    for (const step of [...steps].reverse()) {
      if (timedOut) {
        // Past the deadline only the last-word steps run, each bounded, so the final log lines survive.
        if (step.always) await Promise.race([step.run().catch(() => undefined), new Promise((r) => setTimeout(r, alwaysGraceMs).unref())]);
        continue;
      }
      const outcome = await Promise.race([
        step.run().then(
          () => 'done' as const,
          (err: unknown) => {
            opts.logger.error({ err, step: step.name }, 'shutdown step failed');
            failed.push(step.name);
            return 'failed' as const;
          },
        ),
        deadline,
      ]);
      if (outcome === 'deadline') {
        timedOut = true;
        opts.logger.error({ step: step.name, deadlineMs: opts.deadlineMs }, 'shutdown deadline passed; skipping to telemetry and logs');
      }
    }
    const clean = failed.length === 0 && !timedOut;
    opts.logger.info({ reason, clean, ms: Date.now() - started }, 'shutdown finished');
    return { clean, failed, timedOut };
  }

  return {
    add(name, run, stepOpts) {
      if (result) throw lifecycleErrors.create('TW_LIFECYCLE_CLOSING', `cannot add shutdown step ${name}: shutdown already started`);
      steps.push({ name, run, ...(stepOpts?.always ? { always: true } : {}) });
    },
    run(reason) {
      result ??= runSteps(reason);
      return result;
    },
    get closing() {
      return result !== undefined;
    },
  };
}

/**
 * Routes SIGTERM and SIGINT to the shutdown owner, then exits with 0 on a clean shutdown
 * and 1 otherwise. A second signal while closing exits at once with 130, for an operator who means it.
 */
export function exitOnSignals(shutdown: Shutdown, logger: Logger, beforeExit?: () => Promise<void>): void {
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.closing) {
      logger.warn({ signal }, 'second signal during shutdown; exiting now');
      process.exit(130);
    }
    void shutdown.run(signal).then(async (r) => {
      if (beforeExit) await beforeExit().catch(() => undefined);
      process.exit(r.clean ? 0 : 1);
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
