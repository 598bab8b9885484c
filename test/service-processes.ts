import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '@tidewater/schemas';

export interface RunningService {
  readonly name: string;
  readonly port: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** SIGTERM and wait; resolves with the exit code (null when killed by a signal). */
  stop(): Promise<number | null>;
}

/** Runs a service's main.ts as a child process of the test, its output in .tidewater/test-logs. */
export async function runService(name: string, port: number, env: Record<string, string>): Promise<RunningService> {
  const logDir = join(repoRoot, '.tidewater', 'test-logs');
  mkdirSync(logDir, { recursive: true });
  const logFile = join(logDir, `${name}-${port}.log`);
  const log = createWriteStream(logFile);
  // node --import tsx, not the tsx CLI: the CLI SIGKILLs a busy child 30 ms after relaying SIGTERM.
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'services', name, 'src/main.ts')], {
    cwd: repoRoot,
    env: { ...process.env, ...env, HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode} before it was ready; see ${logFile}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error(`${name} not ready after 60 s; see ${logFile}`);
    await sleep(250);
  }
  return {
    name,
    port,
    child,
    logFile,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
