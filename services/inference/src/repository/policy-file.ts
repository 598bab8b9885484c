import { createHash, randomBytes } from 'node:crypto';
import { open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { modelErrors } from '../model/errors.js';
import { POLICY_FILE } from './traffic-policy.js';

/** Revision of a model with no policy.json (the default policy). */
export const NO_POLICY_REVISION = 'none';

/**
 * A policy.json's revision: the first 16 hex digits of the SHA-256 of its bytes. A hash rather
 * than a counter, so a file edited by hand or by a deploy tool has a revision too, and every
 * replica computes the same one from the same bytes.
 */
export function policyRevision(text: string | undefined): string {
  return text === undefined ? NO_POLICY_REVISION : createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/** A model's policy.json as read under the lock. */
export interface PolicyFileState {
  /** The file's text; undefined when the model has no policy.json. */
  readonly text: string | undefined;
  readonly revision: string;
}

export interface PolicyWriteOptions {
  /** How long to wait for another writer's lock before answering TW_MODEL_POLICY_CONFLICT. Default 2000 ms. */
  readonly lockWaitMs?: number;
  /** A lock older than this is a crashed writer's and is broken. Default 10 000 ms. */
  readonly staleLockMs?: number;
}

// Errors that mean the repository cannot be written here (a read-only volume or ConfigMap, a
// directory owned by another user), as opposed to a transient failure.
const READ_ONLY = new Set(['EROFS', 'EACCES', 'EPERM']);

/** A write error as the admin API answers it: TW_MODEL_POLICY_READONLY when the repository cannot be written, else the error itself. */
export function policyWriteError(err: unknown, path: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === undefined || !READ_ONLY.has(code)) return err as Error;
  return modelErrors.create('TW_MODEL_POLICY_READONLY', `the model repository cannot be written here (${code} on ${path})`, {
    cause: err,
    details: { path, errno: code },
  });
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Reads a model's policy.json and its revision. */
export async function readPolicyFile(modelDir: string): Promise<PolicyFileState> {
  const text = await readText(join(modelDir, POLICY_FILE));
  return { text, revision: policyRevision(text) };
}

/**
 * Takes `<modelDir>/.policy.json.lock` (created with O_EXCL, so one writer at a time across every
 * replica sharing the directory), runs `task`, and removes the lock. A lock left by a writer that
 * crashed is broken once older than `staleLockMs`.
 */
async function withLock<T>(modelDir: string, opts: PolicyWriteOptions, task: () => Promise<T>): Promise<T> {
  const lock = join(modelDir, `.${POLICY_FILE}.lock`);
  const deadline = Date.now() + (opts.lockWaitMs ?? 2000);
  for (;;) {
    try {
      const handle = await open(lock, 'wx');
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw policyWriteError(err, lock);
    }
    const age = await stat(lock).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (age > (opts.staleLockMs ?? 10_000)) {
      await unlink(lock).catch(() => undefined);
      continue;
    }
    if (Date.now() > deadline) {
      throw modelErrors.create('TW_MODEL_POLICY_CONFLICT', `another replica is writing ${join(modelDir, POLICY_FILE)}; retry`, {
        details: { lock },
      });
    }
    await sleep(10);
  }
  try {
    return await task();
  } finally {
    await unlink(lock).catch(() => undefined);
  }
}

/**
 * Replaces a model's policy.json as one compare-and-swap across replicas: under the lock, reads
 * the current file and hands it to `next`, which returns the new text (undefined removes the file)
 * or throws (a stale revision, an invalid policy) to leave the file untouched. The new text is
 * written to a temp file in the same directory, flushed, and renamed over policy.json, so a
 * reader (every replica's watcher) sees the old file or the new one, never a torn one.
 */
export async function writePolicyFile(
  modelDir: string,
  next: (current: PolicyFileState) => string | undefined,
  opts: PolicyWriteOptions = {},
): Promise<PolicyFileState> {
  const path = join(modelDir, POLICY_FILE);
  return withLock(modelDir, opts, async () => {
    const text = next(await readPolicyFile(modelDir));
    if (text === undefined) {
      await unlink(path).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw policyWriteError(err, path);
      });
      return { text, revision: policyRevision(text) };
    }
    // A dot name: the repository scan never takes it for a version or a policy.
    const temp = join(modelDir, `.${POLICY_FILE}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw policyWriteError(err, temp);
    }
    return { text, revision: policyRevision(text) };
  });
}
