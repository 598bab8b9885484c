import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetricsRegistry, createOpsServer } from '@tidewater/ops-server';
import { maxIdLength } from '@tidewater/schemas';
import { emptySilenceStore } from '../../test/empty-silence-store.js';
import { registerSilenceRoutes } from './silence-routes.js';

// Issue 20, hole 4: the silence routes on the ops server the service runs them on, with ids up to the
// pipeline's id contract in the path. No silence exists, so every well-formed id is unknown.
const { app } = createOpsServer({ registry: createMetricsRegistry('alerting'), readiness: {}, logger: pino({ level: 'silent' }) });

beforeAll(async () => {
  registerSilenceRoutes(app, { store: emptySilenceStore() });
  await app.ready();
});

afterAll(async () => {
  await app.close();
});

describe('silence ids in the path', () => {
  it('answers an unknown id of the longest accepted length 404 with its code, for GET and DELETE', async () => {
    for (const id of ['€'.repeat(maxIdLength), 'x'.repeat(maxIdLength)]) {
      for (const method of ['GET', 'DELETE'] as const) {
        const res = await app.inject({ method, url: `/api/v2/silence/${encodeURIComponent(id)}` });
        expect(res.statusCode, `${method} ${id.length}`).toBe(404);
        expect(res.json().code).toBe('TW_ALERT_SILENCE_NOT_FOUND');
      }
    }
  });

  it('refuses an over-long id briefly, without quoting it', async () => {
    const res = await app.inject({ method: 'GET', url: `/api/v2/silence/${'x'.repeat(10_000)}` });
    expect(res.statusCode).toBe(414);
    expect(res.body.length).toBeLessThan(200);
  });

  it('answers a wrong method 405 with Allow', async () => {
    const put = await app.inject({ method: 'PUT', url: '/api/v2/silence/abc' });
    expect(put.statusCode).toBe(405);
    expect(put.headers['allow']).toBe('DELETE, GET, HEAD');
    expect((await app.inject({ method: 'DELETE', url: '/api/v2/silences' })).headers['allow']).toBe('GET, HEAD, POST');
  });
});
