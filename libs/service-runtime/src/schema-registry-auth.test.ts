import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSchemaRegistry, type RunningSchemaRegistry } from '@tidewater/dev-schema-registry';
import { schemaRegistryClientConfig } from './security-settings.js';

// The dev registry on loopback with basic auth (issue 17); the password comes from a file.
const dir = mkdtempSync(join(tmpdir(), 'tw-registry-auth-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
let registry: RunningSchemaRegistry;

beforeAll(async () => {
  registry = await startSchemaRegistry({ basicAuth: { username: 'svc', password: 'registry-secret-9' } });
});
afterAll(() => registry.close());

describe('schema registry basic auth from SCHEMA_REGISTRY_PASSWORD_FILE', () => {
  it('registers and reads schemas with the right password', async () => {
    const client = new SchemaRegistryClient(
      schemaRegistryClientConfig(registry.url, {
        SCHEMA_REGISTRY_USERNAME: 'svc',
        SCHEMA_REGISTRY_PASSWORD_FILE: file('right', 'registry-secret-9\n'),
      }),
    );
    const id = await client.register('auth-test-value', { schemaType: 'AVRO', schema: '{"type":"string"}' });
    expect(id).toBeGreaterThan(0);
    expect(await client.getAllSubjects()).toContain('auth-test-value');
  });

  it('is refused with 401 on a wrong password or none, never retried into success', async () => {
    const wrong = new SchemaRegistryClient(
      schemaRegistryClientConfig(registry.url, { SCHEMA_REGISTRY_USERNAME: 'svc', SCHEMA_REGISTRY_PASSWORD_FILE: file('wrong', 'nope\n') }),
    );
    await expect(wrong.getAllSubjects()).rejects.toMatchObject({ status: 401 });
    const anonymous = new SchemaRegistryClient(schemaRegistryClientConfig(registry.url, {}));
    await expect(anonymous.getAllSubjects()).rejects.toMatchObject({ status: 401 });
  });

  it('trusts the CA of an https registry from SCHEMA_REGISTRY_TLS_CA_FILE', () => {
    const config = schemaRegistryClientConfig('https://registry.internal:8081', {
      SCHEMA_REGISTRY_TLS_CA_FILE: file('ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'),
    });
    const agent = config.createAxiosDefaults?.httpsAgent as { options: { ca: string } };
    expect(agent.options.ca).toContain('BEGIN CERTIFICATE');
    expect(config.basicAuthCredentials).toBeUndefined();
  });
});
