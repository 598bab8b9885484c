import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TidewaterError } from '@tidewater/errors';
import { commonServiceEnv, intFromEnv } from './env-fields.js';
import { loadConfig } from './load-config.js';

const schema = z.object({ ...commonServiceEnv, HTTP_PORT: intFromEnv(0, 65535).default(8080) });

describe('loadConfig', () => {
  it('parses, applies defaults and freezes', () => {
    const c = loadConfig(schema, { KAFKA_BROKERS: 'a:9092, b:9092', SCHEMA_REGISTRY_URL: 'http://r:8081', HTTP_PORT: '' });
    expect(c.KAFKA_BROKERS).toEqual(['a:9092', 'b:9092']);
    expect(c.HTTP_PORT).toBe(8080);
    expect(c.SCHEMA_AUTO_REGISTER).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.KAFKA_BROKERS)).toBe(true);
  });

  it('lists every problem at once', () => {
    let err: unknown;
    try {
      loadConfig(schema, { HTTP_PORT: 'x', LOG_LEVEL: 'loud' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TidewaterError);
    const e = err as TidewaterError;
    expect(e.code).toBe('TW_CONFIG_INVALID');
    for (const key of ['KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL', 'HTTP_PORT', 'LOG_LEVEL']) expect(e.message).toContain(key);
  });

  it('reads TIDEWATER_ENV_FILE, with the process environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tw-config-'));
    const file = join(dir, 'stack.env');
    writeFileSync(file, 'KAFKA_BROKERS=127.0.0.1:1\nSCHEMA_REGISTRY_URL=http://127.0.0.1:2\nHTTP_PORT=3\n');
    const c = loadConfig(schema, { TIDEWATER_ENV_FILE: file, HTTP_PORT: '4' });
    expect(c.KAFKA_BROKERS).toEqual(['127.0.0.1:1']);
    expect(c.HTTP_PORT).toBe(4);
  });

  it('fails clearly when the env file is missing', () => {
    expect(() => loadConfig(schema, { TIDEWATER_ENV_FILE: '/nonexistent/x.env' })).toThrow(/TIDEWATER_ENV_FILE/);
  });
});
