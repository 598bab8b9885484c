import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@tidewater/dev-stack';
import { repoRoot } from '@tidewater/schemas';

export interface RunningService {
  readonly name: string;
  /** The ops port: /metrics, /healthz, /readyz and the services' open APIs. */
  readonly port: number;
  /** ADMIN_HTTP_PORT: the authenticated APIs (inference admin and OIP, alerting silences); the others ignore it. */
  readonly adminPort: number;
  /** OIP_HTTP_PORT: inference's OIP API; the others ignore it. */
  readonly oipPort: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** SIGTERM and wait; resolves with the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

const portAttempts = 5;

/**
 * Runs a service's main.ts as a child process of the test, its output in .tidewater/test-logs, on a
 * port the OS reported free. Another process can take that port before the child binds it (the
 * range overlaps the ephemeral ports of outgoing connections), so a child that exits with
 * EADDRINUSE is started again on a fresh port instead of failing the test.
 */
export async function runService(name: string, env: Record<string, string>): Promise<RunningService> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const adminPort = await freePort();
    const oipPort = await freePort();
    const started = await startOnPort(name, { port, adminPort, oipPort }, env);
    if (started.ok) return started.service;
    const taken = readFileSync(started.logFile, 'utf8').includes('EADDRINUSE');
    if (!taken || attempt === portAttempts)
      throw new Error(`${name} exited with ${started.exitCode} before it was ready; see ${started.logFile}`);
  }
}

type StartResult =
  | { readonly ok: true; readonly service: RunningService }
  | { readonly ok: false; readonly exitCode: number | null; readonly logFile: string };

async function startOnPort(
  name: string,
  { port, adminPort, oipPort }: { port: number; adminPort: number; oipPort: number },
  env: Record<string, string>,
): Promise<StartResult> {
  const logDir = join(repoRoot, '.tidewater', 'test-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}-${port}.log`);
  const log = createWriteStream(logFile);
  const logClosed = new Promise<void>((resolve) => log.once('close', () => resolve()));
  // node --import tsx, not the tsx CLI: the CLI SIGKILLs a busy child 30 ms after relaying SIGTERM.
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'services', name, 'src/main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      ...env,
      HTTP_PORT: String(port),
      ADMIN_HTTP_PORT: String(adminPort),
      OIP_HTTP_PORT: String(oipPort),
      HTTP_HOST: '127.0.0.1',
    },
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
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      const exitCode = await exited;
      await logClosed;
      return { ok: false, exitCode, logFile };
    }
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      // Not left running: an orphan would keep its consumer group and ports for the next test.
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${name} not ready after 90 s; see ${logFile}`);
    }
    await sleep(250);
  }
  const service: RunningService = {
    name,
    port,
    adminPort,
    oipPort,
    child,
    logFile,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
  return { ok: true, service };
}
