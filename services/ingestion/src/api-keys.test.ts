import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApiKeyStore, hashApiKey, parseEnvKeys } from './api-keys.js';

const logger = pino({ level: 'silent' });

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
});
