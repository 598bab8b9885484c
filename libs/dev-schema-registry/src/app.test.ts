import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { createSchemaRegistryApp } from './app.js';
import { devSchemaRegistryErrors } from './errors.js';
import { errorCodeOf, makeTempDir, recordSchema, sendJson } from '../test/test-helpers.js';

describe('createSchemaRegistryApp', () => {
  let app: FastifyInstance | undefined;
  let temp: Awaited<ReturnType<typeof makeTempDir>> | undefined;
  afterEach(async () => {
    await app?.close();
    await temp?.remove();
  });

  it("answers unknown paths, malformed JSON and other media types in Confluent's error shape", async () => {
    app = await createSchemaRegistryApp();
    const notFound = await sendJson(app, 'GET', '/no/such/path');
    expect([notFound.status, notFound.body]).toEqual([404, { error_code: 404, message: 'HTTP 404 Not Found' }]);
    const malformed = await app.inject({
      method: 'POST',
      url: '/subjects/s/versions',
      headers: { 'content-type': 'application/json' },
      payload: '{"schema":',
    });
    expect([malformed.statusCode, malformed.json<{ error_code: number }>().error_code]).toEqual([400, 400]);
    const text = await app.inject({
      method: 'POST',
      url: '/subjects/s/versions',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expect([text.statusCode, text.json<{ error_code: number }>().error_code]).toEqual([415, 415]);
  });

  it('accepts bodiless requests carrying the JSON content type, as Confluent clients send them', async () => {
    app = await createSchemaRegistryApp();
    await sendJson(app, 'POST', '/subjects/s/versions', { schema: recordSchema('R', []) });
    const response = await app.inject({
      method: 'DELETE',
      url: '/subjects/s',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    });
    expect(response.json()).toEqual([1]);
  });

  it('answers 500 / 50001 when the state cannot be saved, and keeps the old state', async () => {
    temp = await makeTempDir();
    app = await createSchemaRegistryApp({ stateFile: join(temp.dir, 'blocked', 'state.json') });
    // A regular file where the state file's directory should be: saving fails, even as root.
    await writeFile(join(temp.dir, 'blocked'), 'not a directory');
    const response = await sendJson(app, 'POST', '/subjects/s/versions', { schema: recordSchema('R', []) });
    expect([response.status, errorCodeOf(response)]).toEqual([500, 50001]);
    expect((await sendJson(app, 'GET', '/subjects')).body).toEqual([]);
  });

  it('refuses to start on a corrupt state file', async () => {
    temp = await makeTempDir();
    const stateFile = join(temp.dir, 'state.json');
    await writeFile(stateFile, '{"format":"tidewater-dev-schema-registry/1"}');
    await expect(createSchemaRegistryApp({ stateFile })).rejects.toSatisfy((err: unknown) =>
      devSchemaRegistryErrors.is(err, 'TW_DEVSR_STATE_FILE_INVALID'),
    );
  });
});
