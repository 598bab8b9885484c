import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tidewater/schemas';

/**
 * A Tidewater inference worker as its own process, exactly as the dev stack starts one. `nodeArgs`
 * go after tsx's `--import` (bench:kafka preloads its client hooks there).
 */
export function startWorker(
  env: Record<string, string>,
  opts: { nodeArgs?: readonly string[] } = {},
): { child: ChildProcess; peakRssMb(): number; stop(): Promise<void> } {
  // BENCH_WORKER_NODE_ARGS (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof") profiles the worker.
  const nodeArgs = (process.env['BENCH_WORKER_NODE_ARGS'] ?? '').split(' ').filter(Boolean);
  const child = spawn(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', ...(opts.nodeArgs ?? []), join(repoRoot, 'services', 'inference', 'src', 'main.ts')],
    {
      cwd: repoRoot,
      env: { ...process.env, HTTP_HOST: '127.0.0.1', HTTP_PORT: '0', LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    /** The kernel's high-water mark of the process's resident set (VmHWM). */
    peakRssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      const kb = Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? NaN);
      return kb / 1024;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
