import { spawn } from 'node:child_process';

/** What a finished command returned: its exit code and the last 8 KB of its output. */
export interface CommandResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion; resolves undefined when the executable does not exist. */
export function runCommand(
  cmd: string,
  args: readonly string[],
  opts: { stdin?: string; cwd?: string } = {},
): Promise<CommandResult | undefined> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...args], { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-8192);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? resolve(undefined) : reject(err)));
    child.on('close', (code) => resolve({ code, output }));
    // A command that exits without reading its stdin (most do) makes this write fail with EPIPE;
    // unhandled, that is an uncaught exception in the test run. Its exit code and output say how it went.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.stdin ?? '');
  });
}
