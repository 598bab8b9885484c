import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { modelErrors } from '../model/errors.js';
import { POLICY_FILE, VERSION_NAME } from './traffic-policy.js';

/** One `models/<name>/<version>/` directory as found on disk. */
export interface VersionDir {
  readonly name: string;
  readonly version: string;
  readonly dir: string;
  /** Name, size, mtime and inode of every file in it (links followed): changes when any file is rewritten, replaced or repointed. */
  readonly fingerprint: string;
}

export interface RepositorySnapshot {
  readonly versions: readonly VersionDir[];
  /** Text of each model's policy.json, by model name; absent when the model has none. */
  readonly policies: ReadonlyMap<string, string>;
}

// Same shapes as the manifest's name and the policy's version names (VERSION_NAME); anything else (dot files,
// editors' temp files, a half-copied "2.tmp") is not a model or version directory.
const MODEL_NAME = /^[a-z0-9][a-z0-9._-]*$/;

/** Whether `name`/`version` can name a version directory (so never `..` or a path). */
export function isVersionPath(name: string, version: string): boolean {
  return MODEL_NAME.test(name) && !name.includes('..') && VERSION_NAME.test(version);
}

// Undefined when the path is gone (removed between listing and reading); other errors propagate
// so a scan that cannot see the tree fails whole instead of reporting versions as removed.
async function ifPresent<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

// Symbolic links are followed: Kubernetes ConfigMap and projected volumes present every file as a
// link into a `..data` directory that is swapped on update, and a model or version directory may
// itself be a link.
async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const links = await Promise.all(
    entries
      .filter((e) => e.isSymbolicLink())
      .map(async (e) => ((await ifPresent(() => stat(join(dir, e.name))))?.isDirectory() ? e.name : undefined)),
  );
  return [...entries.filter((e) => e.isDirectory()).map((e) => e.name), ...links.filter((n) => n !== undefined)];
}

/** Fingerprint of the files in one version directory (name, size, mtime, inode of each). */
export async function versionFingerprint(dir: string): Promise<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  const parts = await Promise.all(
    entries
      .filter((e) => e.isFile() || e.isSymbolicLink())
      .map(async (e) => {
        // stat follows a link, so repointing it changes the fingerprint. A file renamed or deleted
        // between readdir and stat (rsync's temp files, `cp` over a file) is marked, not dropped:
        // the version reads as changing, never as removed.
        const s = await ifPresent(() => stat(join(dir, e.name)));
        if (s?.isDirectory()) return undefined;
        return s ? `${e.name}:${s.size}:${s.mtimeMs}:${s.ino}` : `${e.name}:vanished`;
      }),
  );
  return parts
    .filter((p) => p !== undefined)
    .sort()
    .join('|');
}

/**
 * Lists the repository: every version directory with a fingerprint of its files, and every
 * policy.json. A directory that vanishes while being listed is skipped (the next scan settles
 * it). Throws TW_MODEL_REPOSITORY_UNREADABLE when the root itself cannot be listed.
 */
export async function scanRepository(root: string): Promise<RepositorySnapshot> {
  let names: string[];
  try {
    names = (await subdirectories(root)).filter((n) => MODEL_NAME.test(n));
  } catch (cause) {
    throw modelErrors.create('TW_MODEL_REPOSITORY_UNREADABLE', `cannot list the model repository ${root}`, { cause, details: { root } });
  }
  const versions: VersionDir[] = [];
  const policies = new Map<string, string>();
  for (const name of names) {
    const modelDir = join(root, name);
    const policy = await ifPresent(() => readFile(join(modelDir, POLICY_FILE), 'utf8'));
    if (policy !== undefined) policies.set(name, policy);
    for (const version of ((await ifPresent(() => subdirectories(modelDir))) ?? []).filter((v) => VERSION_NAME.test(v))) {
      const dir = join(modelDir, version);
      const print = await ifPresent(() => versionFingerprint(dir));
      if (print !== undefined) versions.push({ name, version, dir, fingerprint: print });
    }
  }
  return { versions, policies };
}
