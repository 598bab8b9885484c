import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
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
const tlsDir = join(import.meta.dirname, '..', 'test', 'registry-tls');

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

  it('reaches an https registry whose CA is SCHEMA_REGISTRY_TLS_CA_FILE, and refuses it without', { timeout: 30_000 }, async () => {
    const https = await startTlsProxy(registry.url);
    try {
      const trusting = new SchemaRegistryClient(
        schemaRegistryClientConfig(https.url, {
          SCHEMA_REGISTRY_USERNAME: 'svc',
          SCHEMA_REGISTRY_PASSWORD_FILE: file('right-tls', 'registry-secret-9\n'),
          SCHEMA_REGISTRY_TLS_CA_FILE: join(tlsDir, 'ca.pem'),
        }),
      );
      expect(await trusting.getAllSubjects()).toContain('auth-test-value');
      // No retries: a certificate that does not verify is refused the same way each time.
      const untrusting = new SchemaRegistryClient({
        ...schemaRegistryClientConfig(https.url, {
          SCHEMA_REGISTRY_USERNAME: 'svc',
          SCHEMA_REGISTRY_PASSWORD_FILE: file('right-no-ca', 'registry-secret-9\n'),
        }),
        maxRetries: 0,
      });
      await expect(untrusting.getAllSubjects()).rejects.toThrow(/self[- ]signed|unable to verify|certificate/i);
      expect(https.forwarded()).toBe(1);
    } finally {
      await https.close();
    }
  });
});

/** TLS in front of the dev registry, as a load balancer would terminate it, with the test CA's certificate. */
async function startTlsProxy(target: string): Promise<{ url: string; forwarded(): number; close(): Promise<void> }> {
  let forwarded = 0;
  const server = createHttpsServer(
    { key: readFileSync(join(tlsDir, 'server.key')), cert: readFileSync(join(tlsDir, 'server.pem')) },
    (req, res) => {
      forwarded += 1;
      const upstream = httpRequest(new URL(req.url ?? '/', target), { method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    },
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://localhost:${port}`,
    forwarded: () => forwarded,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
