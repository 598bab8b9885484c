import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TidewaterError } from '@tidewater/errors';
import { commonServiceEnv, redisUrl } from './env-fields.js';
import { loadConfig } from './load-config.js';
import { checkSecurityEnv, redisSecurityEnv } from './security-env.js';

const schema = z.object({ ...commonServiceEnv, REDIS_URL: redisUrl(), ...redisSecurityEnv }).superRefine(...checkSecurityEnv);
const dir = mkdtempSync(join(tmpdir(), 'tw-security-env-'));
const secret = join(dir, 'password');
writeFileSync(secret, 'not-in-any-message\n');
const base = { KAFKA_BROKERS: 'k:9093', SCHEMA_REGISTRY_URL: 'https://registry:8081', REDIS_URL: 'rediss://r:6380' };

function problemsOf(env: Record<string, string>): string {
  try {
    loadConfig(schema, env);
  } catch (err) {
    expect(err).toBeInstanceOf(TidewaterError);
    return (err as Error).message;
  }
  throw new Error('expected the configuration to be refused');
}

describe('security settings from the environment', () => {
  it('takes SASL and TLS file settings, any case of mechanism, and keeps paths only', () => {
    const c = loadConfig(schema, {
      ...base,
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'svc',
      KAFKA_SASL_PASSWORD_FILE: secret,
      KAFKA_TLS_CA_FILE: secret,
      SCHEMA_REGISTRY_USERNAME: 'reg',
      SCHEMA_REGISTRY_PASSWORD_FILE: secret,
      SCHEMA_REGISTRY_TLS_CA_FILE: secret,
      REDIS_PASSWORD_FILE: secret,
      REDIS_TLS_CA_FILE: secret,
    });
    expect(c.KAFKA_SASL_MECHANISM).toBe('scram-sha-512');
    expect(c.KAFKA_TLS).toBe(false);
    expect(JSON.stringify(c)).not.toContain('not-in-any-message');
  });

  it('lists every security problem with the other invalid fields, in one boot', () => {
    const message = problemsOf({
      ...base,
      SCHEMA_REGISTRY_URL: 'http://registry:8081',
      REDIS_URL: 'redis://r:6379',
      LOG_LEVEL: 'loud',
      KAFKA_SASL_MECHANISM: 'gssapi',
      KAFKA_SASL_PASSWORD_FILE: join(dir, 'missing'),
      KAFKA_TLS_CERT_FILE: secret,
      SCHEMA_REGISTRY_USERNAME: 'reg',
      SCHEMA_REGISTRY_TLS_CA_FILE: secret,
      REDIS_USERNAME: 'svc',
      REDIS_TLS_CA_FILE: secret,
    });
    for (const expected of [
      'LOG_LEVEL',
      'KAFKA_SASL_MECHANISM: must be PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512',
      `KAFKA_SASL_PASSWORD_FILE: cannot read ${join(dir, 'missing')} (ENOENT)`,
      'KAFKA_TLS_KEY_FILE: required with KAFKA_TLS_CERT_FILE',
      'SCHEMA_REGISTRY_PASSWORD_FILE: required with SCHEMA_REGISTRY_USERNAME',
      'SCHEMA_REGISTRY_TLS_CA_FILE: needs an https:// SCHEMA_REGISTRY_URL',
      'REDIS_PASSWORD_FILE: required with REDIS_USERNAME',
      'REDIS_TLS_CA_FILE: needs a rediss:// REDIS_URL',
    ])
      expect(message).toContain(expected);
  });

  it('refuses SASL without a user and a password file', () => {
    const message = problemsOf({ ...base, KAFKA_SASL_MECHANISM: 'plain' });
    expect(message).toContain('KAFKA_SASL_USERNAME: required with KAFKA_SASL_MECHANISM');
    expect(message).toContain('KAFKA_SASL_PASSWORD_FILE: required with KAFKA_SASL_MECHANISM');
  });
});
