import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSchemaRegistryApp } from '../app.js';
import { errorCodeOf, recordSchema, repoSchema, sendJson } from '../../test/test-helpers.js';

const paymentEvent = repoSchema('payment-event.avsc');
const other = recordSchema('R', [{ name: 'a', type: 'string' }]);

describe('schema routes', () => {
  let app: FastifyInstance;
  let guid: string;

  beforeEach(async () => {
    app = await createSchemaRegistryApp();
    const registered = await sendJson(app, 'POST', '/subjects/payments-value/versions', { schema: paymentEvent });
    guid = (registered.body as { guid: string }).guid;
    await sendJson(app, 'POST', '/subjects/copy-value/versions', { schema: paymentEvent });
    await sendJson(app, 'POST', '/subjects/other-value/versions', { schema: other });
  });
  afterEach(async () => {
    await app.close();
  });

  it('GET /schemas/ids/{id} returns the schema as registered, ignoring subject and format', async () => {
    const response = await sendJson(app, 'GET', '/schemas/ids/1?subject=payments-value&format=resolved');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ schema: paymentEvent, guid });
    const raw = await app.inject({ method: 'GET', url: '/schemas/ids/2/schema' });
    expect(raw.body).toBe(other);
  });

  it('GET /schemas/guids/{guid} finds the same schema', async () => {
    expect((await sendJson(app, 'GET', `/schemas/guids/${guid}`)).body).toEqual({ schema: paymentEvent, guid });
  });

  it('lists where a schema is used', async () => {
    expect((await sendJson(app, 'GET', '/schemas/ids/1/versions')).body).toEqual([
      { subject: 'copy-value', version: 1 },
      { subject: 'payments-value', version: 1 },
    ]);
    expect((await sendJson(app, 'GET', '/schemas/ids/1/subjects')).body).toEqual(['copy-value', 'payments-value']);
  });

  it('answers 40403 for unknown ids and guids', async () => {
    for (const url of ['/schemas/ids/99', '/schemas/ids/0', '/schemas/ids/abc', '/schemas/ids/99/schema', '/schemas/guids/no-such-guid']) {
      const response = await sendJson(app, 'GET', url);
      expect([response.status, errorCodeOf(response)]).toEqual([404, 40403]);
    }
  });

  it('GET /schemas/types lists AVRO only', async () => {
    expect((await sendJson(app, 'GET', '/schemas/types')).body).toEqual(['AVRO']);
  });
});
