import { describe, expect, it } from 'vitest';
import { createSchemaRegistryApp } from '../app.js';
import { sendJson } from '../../test/test-helpers.js';

describe('health routes', () => {
  it('answers GET / with {} and GET /healthz with 200', async () => {
    const app = await createSchemaRegistryApp();
    try {
      expect(await sendJson(app, 'GET', '/')).toMatchObject({ status: 200, body: {} });
      expect(await sendJson(app, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } });
    } finally {
      await app.close();
    }
  });
});
