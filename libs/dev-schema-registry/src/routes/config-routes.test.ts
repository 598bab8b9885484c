import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createSchemaRegistryApp } from '../app.js';
import { errorCodeOf, recordSchema, sendJson } from '../../test/test-helpers.js';

describe('config routes', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
  });

  it('reads and updates the global level, starting from BACKWARD or the configured default', async () => {
    app = await createSchemaRegistryApp();
    expect((await sendJson(app, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await sendJson(app, 'PUT', '/config', { compatibility: 'FULL' })).body).toEqual({ compatibility: 'FULL' });
    expect((await sendJson(app, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'FULL' });
    await app.close();
    app = await createSchemaRegistryApp({ defaultCompatibility: 'NONE' });
    expect((await sendJson(app, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'NONE' });
  });

  it('reads and updates a subject level, 40408 when it has none unless defaultToGlobal', async () => {
    app = await createSchemaRegistryApp();
    const none = await sendJson(app, 'GET', '/config/s');
    expect([none.status, errorCodeOf(none)]).toEqual([404, 40408]);
    expect((await sendJson(app, 'GET', '/config/s?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await sendJson(app, 'PUT', '/config/s', { compatibility: 'forward_transitive' })).body).toEqual({
      compatibility: 'FORWARD_TRANSITIVE',
    });
    expect((await sendJson(app, 'GET', '/config/s')).body).toEqual({ compatibilityLevel: 'FORWARD_TRANSITIVE' });
    expect((await sendJson(app, 'GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('enforces the subject level over the global one on register', async () => {
    app = await createSchemaRegistryApp();
    const v1 = recordSchema('R', [{ name: 'a', type: 'string' }]);
    const breaking = recordSchema('R', [{ name: 'a', type: 'int' }]);
    await sendJson(app, 'POST', '/subjects/s/versions', { schema: v1 });
    expect((await sendJson(app, 'POST', '/subjects/s/versions', { schema: breaking })).status).toBe(409);
    await sendJson(app, 'PUT', '/config/s', { compatibility: 'NONE' });
    expect((await sendJson(app, 'POST', '/subjects/s/versions', { schema: breaking })).body).toMatchObject({ version: 2 });
  });

  it.each([
    ['an unknown level', { compatibility: 'SIDEWAYS' }],
    ['no level', {}],
    ['a level that is not a string', { compatibility: 3 }],
  ])('refuses %s with 422 / 42203', async (_what, body) => {
    app = await createSchemaRegistryApp();
    for (const url of ['/config', '/config/s']) {
      const response = await sendJson(app, 'PUT', url, body);
      expect([response.status, errorCodeOf(response)]).toEqual([422, 42203]);
    }
  });
});
