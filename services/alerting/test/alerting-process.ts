import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@tidewater/dev-stack';
import { repoRoot } from '@tidewater/schemas';

export interface AlertingProcess {
  readonly port: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** When the process was spawned, and when its HTTP server first answered (Date.now()). */
  readonly spawnedAt: number;
  readonly listeningAt: number;
  /** GET /readyz: its status and body. */
  readiness(): Promise<{ status: number; body: { status: string; checks: Record<string, { ok: boolean; error?: string }> } }>;
  /** SIGTERM, then the exit code once it exited (SIGKILL and null past `deadlineMs`). */
  stop(deadlineMs?: number): Promise<number | null>;
}

/**
 * Runs alerting's main.ts as a child process, like runService in @tidewater/test-support, but returns
 * as soon as its HTTP server is alive (/healthz) instead of ready: these tests start it with a
 * dependency down on purpose. Output goes to .tidewater/test-logs/alerting-<port>.log.
 */
export async function startAlertingProcess(env: Record<string, string>, timeoutMs = 60_000): Promise<AlertingProcess> {
  const port = await freePort();
  const logDir = join(repoRoot, '.tidewater', 'test-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `alerting-${port}.log`);
  const log = createWriteStream(logFile);
  const spawnedAt = Date.now();
  // node --import tsx, not the tsx CLI: the CLI SIGKILLs a busy child 30 ms after relaying SIGTERM.
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'services', 'alerting', 'src', 'main.ts')], {
    cwd: repoRoot,
    // ADMIN_HTTP_PORT 0: the silences API on a free port; these tests do not call it.
    env: { ...process.env, ADMIN_HTTP_PORT: '0', ...env, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log, { end: false });
  child.stderr!.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      log.end();
      resolve(code);
    }),
  );
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alerting exited with ${child.exitCode} before it listened; see ${logFile}`);
    const alive = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (alive) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`alerting not listening after ${timeoutMs} ms; see ${logFile}`);
    }
    await sleep(100);
  }
  return {
    port,
    child,
    logFile,
    spawnedAt,
    listeningAt: Date.now(),
    async readiness() {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      return { status: res.status, body: (await res.json()) as Awaited<ReturnType<AlertingProcess['readiness']>>['body'] };
    },
    async stop(deadlineMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
