/**
 * Starts one service as a process the way a container would, either from its compiled JavaScript
 * (the image's command, deploy/docker/Dockerfile) or from its TypeScript through tsx (development,
 * and the image before docs/adr/0008-compiled-javascript-in-production.md), and times it from spawn
 * to the first 200 from /readyz. Used by deploy/docker/compiled-services.int.test.ts and by
 * `npm run bench:startup`; never shipped in the image.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '@tidewater/dev-stack';
import { repoRoot } from '@tidewater/schemas';
import { compiledNodeFlags } from './build.js';

export type StartMode = 'tsx' | 'compiled';

/** The node arguments that run a service in a mode (the image's CMD for `compiled`). */
export function serviceNodeArgs(service: string, mode: StartMode, root: string = repoRoot): string[] {
  if (mode === 'tsx') return ['--import', 'tsx', join(root, 'services', service, 'src/main.ts')];
  // Node's own type stripping is off, so a TypeScript file reached by mistake fails the start.
  return [...compiledNodeFlags, '--no-experimental-strip-types', join(root, 'services', service, 'dist/main.js')];
}

export interface StartedService {
  readonly service: string;
  readonly mode: StartMode;
  readonly port: number;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Milliseconds from spawn to the first 200 from /readyz. */
  readonly readyMs: number;
  /**
   * Milliseconds from spawn to its first output. ES modules run only once the whole static import
   * graph is loaded, so this is about the cost of loading the code (transpiling it, under tsx)
   * before the service starts connecting to anything.
   */
  readonly firstOutputMs: number | undefined;
  /** Resident set size when it turned ready, in MiB (from /proc; undefined where there is none). */
  readonly rssMiB: number | undefined;
  /** SIGTERM, then the exit code (null when a signal ended it). */
  stop(): Promise<number | null>;
}

export interface StartOptions {
  readonly logFile: string;
  readonly timeoutMs?: number;
  /** How often /readyz is asked; the resolution of readyMs. */
  readonly pollMs?: number;
}

const rssMiB = async (pid: number | undefined): Promise<number | undefined> => {
  if (pid === undefined) return undefined;
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(status)?.[1];
  return kib === undefined ? undefined : Math.round(Number(kib) / 102.4) / 10;
};

/** Spawns the service on free ports with `env` on top of this process's, and waits until it is ready. */
export async function startService(
  service: string,
  mode: StartMode,
  env: Record<string, string>,
  opts: StartOptions,
): Promise<StartedService> {
  // The authenticated APIs (inference admin and OIP, alerting silences) have ports of their own.
  const [port, adminPort, oipPort] = [await freePort(), await freePort(), await freePort()];
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const log = createWriteStream(opts.logFile);
  const started = performance.now();
  const child = spawn(process.execPath, serviceNodeArgs(service, mode), {
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
  let firstOutputMs: number | undefined;
  const noteOutput = () => (firstOutputMs ??= performance.now() - started);
  child.stdout.once('data', noteOutput);
  child.stderr.once('data', noteOutput);
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      log.end();
      resolve(code);
    }),
  );
  const deadline = started + (opts.timeoutMs ?? 120_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const code = await exited;
      const tail = readFileSync(opts.logFile, 'utf8').slice(-1500);
      throw new Error(`${service} (${mode}) exited with ${code ?? child.signalCode} before it was ready; ${opts.logFile} ends:\n${tail}`);
    }
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`${service} (${mode}) not ready after ${opts.timeoutMs ?? 120_000} ms; see ${opts.logFile}`);
    }
    await sleep(opts.pollMs ?? 10);
  }
  const readyMs = performance.now() - started;
  return {
    service,
    mode,
    port,
    child,
    logFile: opts.logFile,
    readyMs,
    firstOutputMs,
    rssMiB: await rssMiB(child.pid),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
