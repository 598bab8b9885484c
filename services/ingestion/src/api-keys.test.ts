import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApiKeyStore, hashApiKey, parseEnvKeys } from './api-keys.js';

const logger = pino({ level: 'silent' });

/** A logger that keeps the messages of its error lines, for waiting on what a reload reported. */
function errorMessages(): { logger: typeof logger; messages: string[] } {
  const messages: string[] = [];
  const write = (line: string) => void messages.push((JSON.parse(line) as { msg: string }).msg);
  return { logger: pino({ level: 'error' }, { write }), messages };
}

describe('API keys', () => {
  it('are stored as SHA-256 hex and checked by hash', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const store = createApiKeyStore({ envKeys: `a:${hashApiKey('k1')}, b:${hashApiKey('k2')}`, reloadMs: 1000, logger });
    expect(store.size).toBe(2);
    expect(store.check('k2')).toMatchObject({ ok: true, key: { id: 'b', revoked: false } });
    expect(store.check(undefined)).toEqual({ ok: false, code: 'TW_INGEST_API_KEY_MISSING' });
    expect(store.check('k3')).toEqual({ ok: false, code: 'TW_INGEST_API_KEY_INVALID' });
    store.close();
  });

  it('refuses keys in clear text or malformed hashes in API_KEYS', () => {
    expect(() => parseEnvKeys('a:secret-in-clear')).toThrow();
    expect(() => parseEnvKeys(`a:${hashApiKey('k').toUpperCase()}`)).toThrow();
    expect(parseEnvKeys('')).toEqual([]);
  });

  it('answers every key invalid when none is configured', () => {
    const store = createApiKeyStore({ envKeys: '', reloadMs: 1000, logger });
    expect(store.check('anything')).toEqual({ ok: false, code: 'TW_INGEST_API_KEY_INVALID' });
  });

  it('fails at boot on a key file that is missing or malformed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ingest-keys-'));
    try {
      expect(() => createApiKeyStore({ envKeys: '', file: join(dir, 'none.json'), reloadMs: 1000, logger })).toThrow();
      writeFileSync(join(dir, 'bad.json'), JSON.stringify({ keys: [{ id: 'x', sha256: 'nope' }] }));
      expect(() => createApiKeyStore({ envKeys: '', file: join(dir, 'bad.json'), reloadMs: 1000, logger })).toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the last keys, without crashing, when the file cannot even be stat-ed, and reloads once it can', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ingest-keys-'));
    const mount = join(dir, 'mount');
    mkdirSync(mount);
    const file = join(mount, 'keys.json');
    writeFileSync(file, JSON.stringify({ keys: [{ id: 'a', sha256: hashApiKey('k1') }] }));
    const errors = errorMessages();
    const store = createApiKeyStore({ envKeys: '', file, reloadMs: 100, logger: errors.logger });
    try {
      // The mount directory replaced by a plain file: stat answers ENOTDIR, which is not "missing".
      rmSync(mount, { recursive: true });
      writeFileSync(mount, 'not a directory');
      // Sentinel: a reload has run into it and said so.
      await expect.poll(() => errors.messages, { timeout: 5000 }).toContain('cannot stat the API key file; keeping the previous keys');
      expect(store.check('k1')).toMatchObject({ ok: true, key: { id: 'a' } });
      rmSync(mount);
      mkdirSync(mount);
      writeFileSync(file, JSON.stringify({ keys: [{ id: 'b', sha256: hashApiKey('k2') }] }));
      await expect.poll(() => store.check('k2'), { timeout: 5000 }).toMatchObject({ ok: true, key: { id: 'b' } });
      expect(store.check('k1')).toEqual({ ok: false, code: 'TW_INGEST_API_KEY_INVALID' });
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 15_000); // two polls of up to 5 s each: the default 5 s for the whole test cut the second short under load
});
