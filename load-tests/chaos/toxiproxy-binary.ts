import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The Go module that pins Toxiproxy (go.mod's `tool` line, go.sum). */
const moduleDir = fileURLToPath(new URL('./toxiproxy/', import.meta.url));
const serverPackage = 'github.com/Shopify/toxiproxy/v2/cmd/server';

/** Where the built server lives: one per go.sum content, shared by clones on one machine (TIDEWATER_CACHE_DIR moves it). */
export function toxiproxyBinaryPath(): string {
  const hash = createHash('sha256')
    .update(readFileSync(join(moduleDir, 'go.sum')))
    .digest('hex')
    .slice(0, 12);
  const cache = process.env['TIDEWATER_CACHE_DIR'] || join(process.env['XDG_CACHE_HOME'] || join(homedir(), '.cache'), 'tidewater');
  return join(cache, `toxiproxy-${hash}`, 'toxiproxy-server');
}

/**
 * The Toxiproxy server: TOXIPROXY_BIN when set, else built once with Go from the module proxy at
 * the pinned version (about a minute on two cores) and cached. test/prepare.sh builds it ahead.
 */
export async function ensureToxiproxy(log: (line: string) => void = () => undefined): Promise<string> {
  const fromEnv = process.env['TOXIPROXY_BIN'];
  if (fromEnv) return fromEnv;
  const target = toxiproxyBinaryPath();
  if (existsSync(target)) return target;
  log(`building Toxiproxy from the Go module proxy into ${target} (first run only)...`);
  const partial = `${target}.partial-${process.pid}`;
  await mkdir(join(target, '..'), { recursive: true });
  try {
    await run('go', ['build', '-trimpath', '-o', partial, serverPackage], {
      cwd: moduleDir,
      env: { ...process.env, GOFLAGS: '-mod=mod' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (cause) {
    await rm(partial, { force: true });
    throw new Error(
      `building Toxiproxy failed (is Go installed?): ${String((cause as { stderr?: string }).stderr ?? cause).slice(-2000)}`,
      {
        cause,
      },
    );
  }
  // A concurrent first build wins the rename; ours is then a duplicate.
  await rename(partial, target).catch(() => rm(partial, { force: true }));
  return target;
}
