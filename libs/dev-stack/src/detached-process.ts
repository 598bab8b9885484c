import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { listenPort, processAlive } from '@tidewater/dev-kafka';
import { stackErrors } from './errors.js';

/**
 * Starts a process that outlives this one (its own process group, output to a log file), as
 * `stack up` needs: it returns while the stack keeps running.
 */
export function spawnDetached(
  command: string,
  args: readonly string[],
  opts: { env: NodeJS.ProcessEnv; logFile: string; cwd: string },
): number {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(command, [...args], { cwd: opts.cwd, env: opts.env, detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    if (child.pid === undefined) throw stackErrors.create('TW_STACK_START_FAILED', `cannot start ${command}; see ${opts.logFile}`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/**
 * Runs a TypeScript entry point as `node --import tsx <file>`: one process, whose own SIGTERM
 * handler runs. (The tsx CLI relays SIGTERM to a child and SIGKILLs it 30 ms later when busy,
 * which would cut a graceful shutdown short.)
 */
export function spawnTypeScript(file: string, opts: { env: NodeJS.ProcessEnv; logFile: string; cwd: string }): number {
  return spawnDetached(process.execPath, ['--import', 'tsx', file], opts);
}

/** True while a process with this pid exists. */
export function isAlive(pid: number | undefined): boolean {
  return pid !== undefined && processAlive(pid);
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(pid: number | undefined, graceMs: number): Promise<'stopped' | 'killed' | 'absent'> {
  if (!isAlive(pid)) return 'absent';
  process.kill(pid!, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return 'stopped';
    await sleep(100);
  }
  if (isAlive(pid)) process.kill(pid!, 'SIGKILL');
  while (isAlive(pid)) await sleep(50);
  return 'killed';
}

/** Polls `probe` until it resolves true, or throws with `what` after `timeoutMs`. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs: number, alive?: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (alive && !alive()) throw stackErrors.create('TW_STACK_START_FAILED', `${what}: the process exited`);
    if (Date.now() > deadline) throw stackErrors.create('TW_STACK_NOT_READY', `${what}: not ready after ${timeoutMs} ms`);
    await sleep(200);
  }
}

/**
 * A port for a server we start ourselves, free a moment ago. It comes from below the OS's
 * ephemeral range, so an outgoing connection cannot take it before the server binds it (that
 * once killed the demo's inference worker with EADDRINUSE).
 */
export function freePort(): Promise<number> {
  return listenPort();
}

/** True when an HTTP GET of the URL answers 200. */
export async function httpOk(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.body?.cancel();
  return res.ok;
}
