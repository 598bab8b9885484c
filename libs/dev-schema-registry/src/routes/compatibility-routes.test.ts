import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSchemaRegistryApp } from '../app.js';
import { errorCodeOf, recordSchema, sendJson } from '../../test/test-helpers.js';

const withA = recordSchema('R', [{ name: 'a', type: 'string' }]);
const empty = recordSchema('R', []);
const aAsInt = recordSchema('R', [{ name: 'a', type: 'int', default: 0 }]);
const addedWithDefault = recordSchema('R', [
  { name: 'a', type: 'string' },
  { name: 'b', type: 'int', default: 0 },
]);

describe('compatibility routes', () => {
  let app: FastifyInstance;
  const test = (url: string, schema: string) => sendJson(app, 'POST', url, { schema });

  beforeEach(async () => {
    app = await createSchemaRegistryApp();
  });
  afterEach(async () => {
    await app.close();
  });

  it('answers compatible for a new subject and for a field added with a default', async () => {
    expect((await test('/compatibility/subjects/s/versions/latest', withA)).body).toEqual({ is_compatible: true });
    await sendJson(app, 'POST', '/subjects/s/versions', { schema: withA });
    expect((await test('/compatibility/subjects/s/versions/latest', addedWithDefault)).body).toEqual({ is_compatible: true });
    expect((await test('/compatibility/subjects/s/versions/1', addedWithDefault)).body).toEqual({ is_compatible: true });
  });

  it('answers incompatible, with reasons when verbose', async () => {
    await sendJson(app, 'POST', '/subjects/s/versions', { schema: withA });
    const breaking = recordSchema('R', [{ name: 'a', type: 'int' }]);
    expect((await test('/compatibility/subjects/s/versions/latest', breaking)).body).toEqual({ is_compatible: false });
    const verbose = await test('/compatibility/subjects/s/versions/latest?verbose=true', breaking);
    expect(verbose.body).toEqual({
      is_compatible: false,
      messages: [
        expect.stringMatching(/^\{errorType:'TYPE_MISMATCH', description:'The type \(path '\/fields\/0\/type'\)/),
        '{oldSchemaVersion: 1}',
        `{oldSchema: '${withA}'}`,
        "{validateFields: 'false', compatibility: 'BACKWARD'}",
      ],
    });
  });

  it('checks one version for /versions/{v} and every version for /versions under a transitive level', async () => {
    await sendJson(app, 'PUT', '/config/s', { compatibility: 'NONE' });
    await sendJson(app, 'POST', '/subjects/s/versions', { schema: withA });
    await sendJson(app, 'POST', '/subjects/s/versions', { schema: empty });
    await sendJson(app, 'PUT', '/config/s', { compatibility: 'BACKWARD_TRANSITIVE' });
    expect((await test('/compatibility/subjects/s/versions/latest', aAsInt)).body).toEqual({ is_compatible: true });
    expect((await test('/compatibility/subjects/s/versions/1', aAsInt)).body).toEqual({ is_compatible: false });
    expect((await test('/compatibility/subjects/s/versions', aAsInt)).body).toEqual({ is_compatible: false });
    await sendJson(app, 'PUT', '/config/s', { compatibility: 'BACKWARD' });
    expect((await test('/compatibility/subjects/s/versions', aAsInt)).body).toEqual({ is_compatible: true });
  });

  it('answers 40401, 40402, 42201 and 42202', async () => {
    expect(errorCodeOf(await test('/compatibility/subjects/nope/versions/1', withA))).toBe(40401);
    await sendJson(app, 'POST', '/subjects/s/versions', { schema: withA });
    expect(errorCodeOf(await test('/compatibility/subjects/s/versions/5', withA))).toBe(40402);
    expect(errorCodeOf(await test('/compatibility/subjects/s/versions/latest', '{"type":"nope"}'))).toBe(42201);
    expect(errorCodeOf(await test('/compatibility/subjects/s/versions/first', withA))).toBe(42202);
  });
});
