import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '@tidewater/schemas';

/**
 * The virtual environment `.ci/run` creates from examples/python/requirements.txt;
 * TIDEWATER_EXAMPLES_VENV points elsewhere.
 */
export function examplesPython(): string {
  const venv = process.env['TIDEWATER_EXAMPLES_VENV'] || join(repoRoot, '.tidewater', 'venv-examples');
  const python = join(venv, 'bin', 'python');
  if (!existsSync(python)) {
    // Not a skip: CI must run these tests, so a missing environment is a failure that says how to fix it.
    throw new Error(
      `no Python environment for examples/python at ${venv}: run .ci/run, or ` +
        `python3 -m venv ${venv} && ${venv}/bin/pip install -r examples/python/requirements.txt`,
    );
  }
  return python;
}

export interface ScriptResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout's JSON lines (the examples' `--json` output). */
  readonly lines: Record<string, unknown>[];
}

/**
 * The Go consumer `.ci/run` builds with examples/go/build.sh; TIDEWATER_EXAMPLES_GO_BIN points elsewhere.
 */
export function examplesGoConsumer(): string {
  const bin = process.env['TIDEWATER_EXAMPLES_GO_BIN'] || join(repoRoot, '.tidewater', 'bin', 'consume-predictions-go');
  if (!existsSync(bin)) throw new Error(`no Go consumer at ${bin}: run .ci/run, or bash examples/go/build.sh`);
  return bin;
}

/** Runs one of examples/python's scripts to completion, killing it after `timeoutMs`. */
export function runExample(script: string, args: readonly string[], opts: RunOptions = {}): Promise<ScriptResult> {
  return runToEnd(examplesPython(), [join(repoRoot, 'examples', 'python', script), ...args], opts);
}

/** Runs the Go consumer of examples/go to completion. */
export function runGoConsumer(args: readonly string[], opts: RunOptions = {}): Promise<ScriptResult> {
  return runToEnd(examplesGoConsumer(), args, opts);
}

export interface RunOptions {
  readonly input?: string;
  readonly timeoutMs?: number;
}

function runToEnd(command: string, args: readonly string[], opts: RunOptions): Promise<ScriptResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: join(repoRoot, 'examples'), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const lines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, stdout, stderr, lines });
    });
    child.stdin.end(opts.input ?? '');
  });
}
