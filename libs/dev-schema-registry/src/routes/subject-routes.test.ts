import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSchemaRegistryApp } from '../app.js';
import { errorCodeOf, recordSchema, repoSchema, sendJson } from '../../test/test-helpers.js';

const v1 = recordSchema('R', [{ name: 'a', type: 'string' }]);
const v2 = recordSchema('R', [
  { name: 'a', type: 'string' },
  { name: 'b', type: 'int', default: 0 },
]);
const incompatible = recordSchema('R', [
  { name: 'a', type: 'string' },
  { name: 'c', type: 'int' },
]);

describe('subject routes', () => {
  let app: FastifyInstance;
  const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown) => sendJson(app, method, url, body);
  const register = (subject: string, schema: string) => send('POST', `/subjects/${subject}/versions`, { schema });

  beforeEach(async () => {
    app = await createSchemaRegistryApp();
  });
  afterEach(async () => {
    await app.close();
  });

  describe('POST /subjects/{s}/versions', () => {
    it("registers a schema as version 1 with a global id, in Confluent's media type", async () => {
      const response = await send('POST', '/subjects/payments-value/versions?normalize=false', {
        schemaType: 'AVRO',
        schema: repoSchema('payment-event.avsc'),
      });
      expect(response.status).toBe(200);
      expect(response.contentType).toMatch(/^application\/vnd\.schemaregistry\.v1\+json/);
      expect(response.body).toMatchObject({ id: 1, version: 1, subject: 'payments-value', guid: expect.any(String) });
    });

    it('is idempotent within a subject and reuses the id across subjects', async () => {
      const first = await register('a-value', v1);
      const again = await register('a-value', JSON.stringify(JSON.parse(v1), null, 4));
      const elsewhere = await register('b-value', v1);
      expect(again.body).toEqual(first.body);
      expect(elsewhere.body).toMatchObject({ id: 1, version: 1, subject: 'b-value' });
      expect((await send('GET', '/subjects/a-value/versions')).body).toEqual([1]);
    });

    it('numbers versions per subject from 1 and gives new schemas new ids', async () => {
      await register('other-value', v2);
      await register('s', v1);
      const second = await register('s', v2);
      expect(second.body).toMatchObject({ id: 1, version: 2 });
      const third = await register(
        's',
        recordSchema('R', [
          { name: 'a', type: 'string' },
          { name: 'b', type: 'int', default: 0 },
          { name: 'd', type: 'string', default: '' },
        ]),
      );
      expect(third.body).toMatchObject({ id: 3, version: 3 });
    });

    it('accepts application/json bodies too', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/subjects/s/versions',
        headers: { 'content-type': 'application/json' },
        payload: { schema: v1 },
      });
      expect(response.statusCode).toBe(200);
    });

    it('refuses an incompatible evolution with 409', async () => {
      await register('s', v1);
      const response = await register('s', incompatible);
      expect(response.status).toBe(409);
      expect(errorCodeOf(response)).toBe(409);
      expect((response.body as { message: string }).message).toMatch(/incompatible with an earlier schema/);
      expect((await send('GET', '/subjects/s/versions')).body).toEqual([1]);
    });

    it.each([
      ['text that is not JSON', { schema: '{not json' }],
      ['JSON that is not Avro', { schema: '{"type":"wibble"}' }],
      ['a missing schema', { schemaType: 'AVRO' }],
      ['a PROTOBUF schema', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";' }],
      ['a JSON schema', { schemaType: 'JSON', schema: '{"type":"object"}' }],
      ['schema references', { schema: v1, references: [{ name: 'x', subject: 'y', version: 1 }] }],
      ['a rule set', { schema: v1, ruleSet: { domainRules: [{ name: 'r', type: 'CEL' }] } }],
    ])('refuses %s with 422 / 42201', async (_what, body) => {
      const response = await send('POST', '/subjects/s/versions', body);
      expect(response.status).toBe(422);
      expect(errorCodeOf(response)).toBe(42201);
    });
  });

  describe('GET /subjects and versions', () => {
    beforeEach(async () => {
      await register('s', v1);
      await register('s', v2);
      await register('t', v1);
    });

    it('lists subjects and versions', async () => {
      expect((await send('GET', '/subjects')).body).toEqual(['s', 't']);
      expect((await send('GET', '/subjects?subjectPrefix=t')).body).toEqual(['t']);
      expect((await send('GET', '/subjects/s/versions')).body).toEqual([1, 2]);
    });

    it('reads a version by number, "latest" and -1', async () => {
      expect((await send('GET', '/subjects/s/versions/1')).body).toMatchObject({ subject: 's', version: 1, id: 1, schema: v1 });
      expect((await send('GET', '/subjects/s/versions/latest')).body).toMatchObject({ version: 2, id: 2, schema: v2 });
      expect((await send('GET', '/subjects/s/versions/-1')).body).toMatchObject({ version: 2 });
      const raw = await app.inject({ method: 'GET', url: '/subjects/s/versions/1/schema' });
      expect(raw.body).toBe(v1);
    });

    it('answers 40401 for an unknown subject, 40402 for a missing version, 42202 for a bad version', async () => {
      const unknownSubject = await send('GET', '/subjects/nope/versions');
      expect([unknownSubject.status, errorCodeOf(unknownSubject)]).toEqual([404, 40401]);
      expect(errorCodeOf(await send('GET', '/subjects/nope/versions/latest'))).toBe(40401);
      const missing = await send('GET', '/subjects/s/versions/7');
      expect([missing.status, errorCodeOf(missing)]).toEqual([404, 40402]);
      for (const bad of ['0', 'abc', '2147483648', '-2']) {
        const response = await send('GET', `/subjects/s/versions/${bad}`);
        expect([response.status, errorCodeOf(response)]).toEqual([422, 42202]);
      }
    });
  });

  describe('POST /subjects/{s} (lookup)', () => {
    it('finds the version holding a schema', async () => {
      await register('s', v1);
      await register('s', v2);
      const response = await send('POST', '/subjects/s?normalize=false', { schema: v1 });
      expect(response.body).toMatchObject({ subject: 's', version: 1, id: 1, schema: v1 });
    });

    it('answers 40401 for an unknown subject and 40403 for a schema not in it', async () => {
      await register('s', v1);
      await register('t', v2);
      expect(errorCodeOf(await send('POST', '/subjects/nope', { schema: v1 }))).toBe(40401);
      const notInSubject = await send('POST', '/subjects/s', { schema: v2 });
      expect([notInSubject.status, errorCodeOf(notInSubject)]).toEqual([404, 40403]);
    });
  });

  describe('DELETE /subjects/{s}', () => {
    it('soft-deletes, hides the subject, then deletes permanently', async () => {
      await register('s', v1);
      await register('s', v2);
      expect((await send('DELETE', '/subjects/s')).body).toEqual([1, 2]);
      expect(errorCodeOf(await send('GET', '/subjects/s/versions'))).toBe(40401);
      expect((await send('GET', '/subjects')).body).toEqual([]);
      expect((await send('GET', '/subjects?deleted=true')).body).toEqual(['s']);
      expect((await send('GET', '/subjects/s/versions?deleted=true')).body).toEqual([1, 2]);
      expect((await send('POST', '/subjects/s?deleted=true', { schema: v2 })).body).toMatchObject({ version: 2 });
      // Ids stay readable: data written with them must still decode.
      expect((await send('GET', '/schemas/ids/1')).status).toBe(200);

      const again = await send('DELETE', '/subjects/s');
      expect([again.status, errorCodeOf(again)]).toEqual([404, 40404]);
      expect((await send('DELETE', '/subjects/s?permanent=true')).body).toEqual([1, 2]);
      expect((await send('GET', '/subjects?deleted=true')).body).toEqual([]);
      expect(errorCodeOf(await send('DELETE', '/subjects/s'))).toBe(40401);
    });

    it('lists deleted entries only and pages with offset and limit, as the Python client asks', async () => {
      for (const subject of ['a', 'b', 'c']) await register(subject, v1);
      await register('a', v2);
      await send('DELETE', '/subjects/b');
      await send('DELETE', '/subjects/a/versions/1');
      const python = 'deleted=false&deleted_only=false&offset=0&limit=-1';
      expect((await send('GET', `/subjects?${python}`)).body).toEqual(['a', 'c']);
      expect((await send('GET', `/subjects/a/versions?${python}`)).body).toEqual([2]);
      expect((await send('GET', '/subjects?deleted_only=true')).body).toEqual(['b']);
      expect((await send('GET', '/subjects/a/versions?deleted_only=true')).body).toEqual([1]);
      expect((await send('GET', '/subjects/c/versions?deleted_only=true')).body).toEqual([]);
      expect((await send('GET', '/subjects?deleted=true&offset=1&limit=1')).body).toEqual(['b']);
      expect((await send('GET', '/subjects/a/versions?deleted=true&offset=1')).body).toEqual([2]);
    });

    it('refuses a permanent delete before a soft one with 40405', async () => {
      await register('s', v1);
      const response = await send('DELETE', '/subjects/s?permanent=true');
      expect([response.status, errorCodeOf(response)]).toEqual([404, 40405]);
    });

    it('continues version numbers after a soft delete, reusing the schema id', async () => {
      await register('s', v1);
      await send('DELETE', '/subjects/s');
      expect((await register('s', v1)).body).toMatchObject({ id: 1, version: 2 });
    });
  });

  describe('DELETE /subjects/{s}/versions/{v}', () => {
    it('soft-deletes a version, then deletes it permanently', async () => {
      await register('s', v1);
      await register('s', v2);
      expect((await send('DELETE', '/subjects/s/versions/latest')).body).toBe(2);
      expect((await send('GET', '/subjects/s/versions')).body).toEqual([1]);
      expect(errorCodeOf(await send('GET', '/subjects/s/versions/2'))).toBe(40402);
      expect((await send('GET', '/subjects/s/versions/2?deleted=true')).body).toMatchObject({ version: 2 });

      const again = await send('DELETE', '/subjects/s/versions/2');
      expect([again.status, errorCodeOf(again)]).toEqual([404, 40406]);
      const notSoft = await send('DELETE', '/subjects/s/versions/1?permanent=true');
      expect([notSoft.status, errorCodeOf(notSoft)]).toEqual([404, 40407]);
      expect((await send('DELETE', '/subjects/s/versions/2?permanent=true')).body).toBe(2);
      expect((await send('GET', '/subjects/s/versions?deleted=true')).body).toEqual([1]);
    });

    it('answers 40401, 40402 and 42202 like the reads do', async () => {
      await register('s', v1);
      expect(errorCodeOf(await send('DELETE', '/subjects/nope/versions/1'))).toBe(40401);
      expect(errorCodeOf(await send('DELETE', '/subjects/s/versions/9'))).toBe(40402);
      expect(errorCodeOf(await send('DELETE', '/subjects/s/versions/zero'))).toBe(42202);
    });
  });
});
