import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, createWriteStream, openSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { devKafkaErrors } from './errors.js';

/** What the launcher prints once the brokers and the control port are listening. */
export interface LauncherReady {
  bootstrap: string;
  controlPort: number;
  pid: number;
}

export interface LaunchedProcess {
  child: ChildProcess;
  ready: LauncherReady;
  logFile: string | undefined;
}

interface LaunchOptions {
  binary: string;
  args: string[];
  logFile: string | undefined;
  timeoutMs: number;
}

const READY_POLL_MS = 50;

function parseReady(text: string): LauncherReady | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return undefined;
    const { bootstrap, controlPort, pid } = value as Record<string, unknown>;
    if (typeof bootstrap !== 'string' || typeof controlPort !== 'number' || typeof pid !== 'number') return undefined;
    return { bootstrap, controlPort, pid };
  } catch {
    return undefined;
  }
}

function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

/** Resolves when the child has exited (immediately if it already has). */
export function waitForExit(child: ChildProcess): Promise<void> {
  if (hasExited(child)) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** SIGTERM, then SIGKILL if the launcher has not exited after `graceMs`. */
export async function terminate(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (hasExited(child)) return;
  child.kill('SIGTERM');
  const exited = waitForExit(child);
  // The timer also keeps the event loop alive while a detached (unref'd) child shuts down.
  const timer = sleep(graceMs, 'timeout' as const);
  if ((await Promise.race([exited, timer])) === 'timeout') {
    child.kill('SIGKILL');
    await exited;
  }
}

async function tail(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).slice(-4096);
  } catch {
    return '';
  }
}

function startFailed(child: ChildProcess, output: string) {
  return devKafkaErrors.create(
    'TW_DEVKAFKA_START_FAILED',
    `mock cluster exited before it was ready (exit code ${child.exitCode ?? child.signalCode}): ${output.trim().split('\n')[0] ?? ''}`,
    { details: { exitCode: child.exitCode, signal: child.signalCode, output } },
  );
}

function startTimeout(timeoutMs: number, output: string) {
  return devKafkaErrors.create('TW_DEVKAFKA_START_TIMEOUT', `mock cluster was not ready after ${timeoutMs} ms`, {
    details: { output },
  });
}

/**
 * Attached launch: the launcher's stdout carries the ready line, its stdin is a pipe we never
 * close, so it exits on its own (`--exit-on-stdin-eof`) when this process dies.
 */
export async function launchAttached(opts: LaunchOptions): Promise<LaunchedProcess> {
  const child = spawn(opts.binary, [...opts.args, '--exit-on-stdin-eof'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const log = opts.logFile === undefined ? undefined : createWriteStream(opts.logFile, { flags: 'a' });
  let output = '';
  let stdout = '';
  return new Promise<LaunchedProcess>((resolve, reject) => {
    let settled = false;
    const timer = setTimeout(() => finish(startTimeout(opts.timeoutMs, output)), opts.timeoutMs);
    const finish = (result: LaunchedProcess | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (result instanceof Error) {
        void terminate(child, 0).then(() => reject(result));
      } else {
        resolve(result);
      }
    };
    const record = (chunk: Buffer) => {
      log?.write(chunk);
      output = (output + chunk.toString('utf8')).slice(-4096);
    };
    child.stderr?.on('data', record);
    child.stdout?.on('data', (chunk: Buffer) => {
      record(chunk);
      if (settled) return;
      stdout += chunk.toString('utf8');
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      const ready = parseReady(stdout.slice(0, newline));
      finish(ready === undefined ? startFailed(child, output) : { child, ready, logFile: opts.logFile });
    });
    child.on('error', (err) => finish(devKafkaErrors.create('TW_DEVKAFKA_START_FAILED', 'cannot spawn the mock cluster', { cause: err })));
    // 'close' rather than 'exit': by then stderr has been read to the end for the error message.
    child.on('close', () => {
      log?.end();
      finish(startFailed(child, output));
    });
  });
}

/**
 * Detached launch: the launcher gets its own process group, writes to the log file and reports
 * readiness through `--ready-file` (its stdout is the log, which a reader could see half-written).
 * It keeps running after this process exits; stop it with `shutdown` over the control port.
 */
export async function launchDetached(opts: LaunchOptions): Promise<LaunchedProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'tidewater-mock-kafka-'));
  const readyFile = join(dir, 'ready.json');
  const logFile = opts.logFile ?? join(dir, 'mock-kafka.log');
  const fd = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.binary, [...opts.args, '--ready-file', readyFile], { detached: true, stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  child.unref();
  let failure: Error | undefined;
  child.once('error', (err) => {
    failure = devKafkaErrors.create('TW_DEVKAFKA_START_FAILED', 'cannot spawn the mock cluster', { cause: err });
  });
  const deadline = Date.now() + opts.timeoutMs;
  try {
    for (;;) {
      const ready = parseReady(await readFile(readyFile, 'utf8').catch(() => ''));
      if (ready !== undefined) return { child, ready, logFile };
      if (failure !== undefined) throw failure;
      if (hasExited(child)) throw startFailed(child, await tail(logFile));
      if (Date.now() > deadline) {
        await terminate(child, 0);
        throw startTimeout(opts.timeoutMs, await tail(logFile));
      }
      await sleep(READY_POLL_MS);
    }
  } finally {
    // The log stays when it lives in the temp dir: it is the detached cluster's only output.
    await (opts.logFile === undefined ? rm(readyFile, { force: true }) : rm(dir, { recursive: true, force: true }));
  }
}
