import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { makeTempDir, recordSchema } from '../test/test-helpers.js';

const mainFile = fileURLToPath(new URL('./main.ts', import.meta.url));
const tsxLoader = new URL('../../../node_modules/tsx/dist/loader.mjs', import.meta.url).href;

/** Starts the entry point as a supervisor would and resolves with its first stdout line. */
async function startMain(cwd: string, env: Record<string, string>): Promise<{ child: ChildProcess; firstLine: string }> {
  const child = spawn(process.execPath, ['--import', tsxLoader, mainFile], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.stdout === null || child.stderr === null) throw new Error('no stdio pipes');
  // Request logs go to stderr; keep them only to explain a failed start.
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const lines = createInterface({ input: child.stdout });
  const firstLine = once(lines, 'line').then(([line]) => String(line));
  const exitedEarly = once(child, 'exit').then(() => undefined);
  const result = await Promise.race([firstLine, exitedEarly]);
  if (result === undefined) throw new Error(`main exited with ${String(child.exitCode)} before listening: ${stderr}`);
  return { child, firstLine: result };
}

describe('main', () => {
  let child: ChildProcess | undefined;
  let temp: Awaited<ReturnType<typeof makeTempDir>> | undefined;
  afterEach(async () => {
    if (child !== undefined && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }
    await temp?.remove();
  });

  it('prints {url, port} once listening, saves to the default state file, and exits 0 on SIGTERM', async () => {
    temp = await makeTempDir();
    const started = await startMain(temp.dir, { PORT: '0', HOST: '127.0.0.1', STATE_FILE: '' });
    child = started.child;
    const { url, port } = JSON.parse(started.firstLine) as { url: string; port: number };
    expect(url).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    const registered = await fetch(`${url}/subjects/s/versions`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
      body: JSON.stringify({ schema: recordSchema('R', []) }),
    });
    expect(await registered.json()).toMatchObject({ id: 1, version: 1 });
    expect(existsSync(join(temp.dir, '.tidewater', 'schema-registry.json'))).toBe(true);

    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  }, 30_000);

  it('exits 1 with a message on a bad PORT', async () => {
    temp = await makeTempDir();
    child = spawn(process.execPath, ['--import', tsxLoader, mainFile], {
      cwd: temp.dir,
      env: { ...process.env, PORT: 'eighty' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(1);
    expect(stderr).toMatch(/PORT must be an integer/);
  }, 30_000);
});
