import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { stackErrors } from './errors.js';

const run = promisify(execFile);

/** The Go module that pins Jaeger (go.mod and go.sum, its `tool` line names the jaeger command). */
const moduleDir = fileURLToPath(new URL('../jaeger/', import.meta.url));
const jaegerPackage = 'github.com/jaegertracing/jaeger/cmd/jaeger';

/** Where the built binary lives: one per go.sum content, shared by clean clones on one machine (TIDEWATER_CACHE_DIR moves it). */
export function jaegerBinaryPath(): string {
  const hash = createHash('sha256')
    .update(readFileSync(join(moduleDir, 'go.sum')))
    .digest('hex')
    .slice(0, 12);
  const cache = process.env['TIDEWATER_CACHE_DIR'] || join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'tidewater');
  return join(cache, `jaeger-${hash}`, 'jaeger');
}

/**
 * The Jaeger v2 binary: JAEGER_BIN when set, else built once from the Go module proxy with the
 * pinned go.sum (a few minutes on two cores; the build time is printed) and cached.
 */
export async function ensureJaeger(log: (line: string) => void = () => undefined): Promise<string> {
  const fromEnv = process.env['JAEGER_BIN'];
  if (fromEnv) return fromEnv;
  const target = jaegerBinaryPath();
  if (existsSync(target)) return target;
  const started = Date.now();
  log(`building Jaeger from the Go module proxy into ${target} (first run only)...`);
  const partial = `${target}.partial-${process.pid}`;
  await mkdir(join(target, '..'), { recursive: true });
  try {
    await run('go', ['build', '-trimpath', '-o', partial, jaegerPackage], {
      cwd: moduleDir,
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (cause) {
    await rm(partial, { force: true });
    const missing = (cause as NodeJS.ErrnoException).code === 'ENOENT';
    throw stackErrors.create(
      'TW_STACK_START_FAILED',
      missing
        ? 'the observability stack builds Jaeger with Go: install Go or set JAEGER_BIN'
        : `building Jaeger failed: ${String((cause as { stderr?: string }).stderr ?? cause).slice(-2000)}`,
      { cause },
    );
  }
  // A concurrent first build wins the rename; ours is then a duplicate.
  await rename(partial, target).catch(() => rm(partial, { force: true }));
  log(`Jaeger built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return target;
}
