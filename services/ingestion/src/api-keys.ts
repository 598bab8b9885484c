import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import { z } from 'zod';
import type { IngestErrorCode } from './errors.js';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex SHA-256');

const keyEntry = z.object({
  id: z.string().min(1),
  sha256: sha256Hex,
  revoked: z.boolean().default(false),
  /** Per-key overrides of RATE_LIMIT_PER_SECOND and RATE_LIMIT_BURST. */
  ratePerSecond: z.number().int().positive().optional(),
  burst: z.number().int().positive().optional(),
});
const keysFile = z.object({ keys: z.array(keyEntry) });

export type ApiKey = z.infer<typeof keyEntry>;

export type KeyCheck =
  | { readonly ok: true; readonly key: ApiKey }
  | { readonly ok: false; readonly code: Extract<IngestErrorCode, `TW_INGEST_API_KEY_${string}`> };

export interface ApiKeyStore {
  /** Checks a presented key (clear text) against the hashed ones. */
  check(presented: string | undefined): KeyCheck;
  /** Re-reads the file now (also done on every change the file watcher sees). */
  reload(): void;
  readonly size: number;
  close(): void;
}

/** The stored form of a key: its SHA-256 in hex. Keys are random tokens, so a fast unsalted hash suffices. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** Parses API_KEYS ("id:sha256hex,id2:sha256hex"). */
export function parseEnvKeys(text: string): ApiKey[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((item) => {
      const [id, sha256] = item.split(':');
      return keyEntry.parse({ id, sha256 });
    });
}

/**
 * Keys from API_KEYS and API_KEYS_FILE, only their hashes in memory. The file is polled (inode, size,
 * mtime; so an atomic rename by a secret manager is seen too) and re-read on change: rotation and revocation need no restart.
 * A file that fails to parse on reload keeps the previous keys and logs the error; at boot it fails boot.
 */
export function createApiKeyStore(opts: { envKeys: string; file?: string | undefined; reloadMs: number; logger: Logger }): ApiKeyStore {
  const fromEnv = parseEnvKeys(opts.envKeys);
  let byHash = new Map<string, ApiKey>();
  let loadedVersion = '';
  // The version is read before the content, so a write between the two is seen on the next tick.
  // Only ENOENT means missing. Not throwIfNoEntry: Node 24 also answers undefined for ENOTDIR there
  // (a path under a swapped mount), which would read as a deleted file instead of an unreadable one.
  const version = () => {
    try {
      const st = statSync(opts.file!);
      return `${st.ino}:${st.size}:${st.mtimeMs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
      throw err;
    }
  };
  const load = () => {
    if (opts.file) loadedVersion = version();
    const fileKeys = opts.file ? keysFile.parse(JSON.parse(readFileSync(opts.file, 'utf8'))).keys : [];
    byHash = new Map([...fromEnv, ...fileKeys].map((k) => [k.sha256, k]));
  };
  load();
  const reload = () => {
    try {
      load();
      opts.logger.info({ keys: byHash.size }, 'API keys reloaded');
    } catch (err) {
      // Tried once per change: the version was recorded before the failed parse.
      opts.logger.error({ err, file: opts.file }, 'cannot reload API keys; keeping the previous ones');
    }
  };
  const timer = opts.file
    ? setInterval(() => {
        // stat throws for more than a missing file (EACCES, ENOTDIR when a mount is swapped): in a timer
        // callback that would be an uncaught exception and take the service down over a key file.
        let current: string;
        try {
          current = version();
        } catch (err) {
          current = 'unreadable';
          if (loadedVersion !== current)
            opts.logger.error({ err, file: opts.file }, 'cannot stat the API key file; keeping the previous keys');
          loadedVersion = current;
          return;
        }
        if (current !== loadedVersion) reload();
      }, opts.reloadMs).unref()
    : undefined;
  return {
    check(presented) {
      if (presented === undefined || presented === '') return { ok: false, code: 'TW_INGEST_API_KEY_MISSING' };
      const key = byHash.get(hashApiKey(presented));
      if (!key) return { ok: false, code: 'TW_INGEST_API_KEY_INVALID' };
      if (key.revoked) return { ok: false, code: 'TW_INGEST_API_KEY_REVOKED' };
      return { ok: true, key };
    },
    reload,
    get size() {
      return byHash.size;
    },
    close() {
      clearInterval(timer);
    },
  };
}
