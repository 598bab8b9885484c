import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it, inject } from 'vitest';
import { createSilenceStore } from './silence-store.js';
import { registerSilenceRoutes } from './silence-routes.js';

const redisUrl = inject('redisUrl');
const runPrefix = `tw-test:silence-routes:${randomUUID()}:`;

const t0 = Date.UTC(2025, 0, 1, 12);
const minute = 60_000;
const hour = 60 * minute;
const iso = (ms: number) => new Date(ms).toISOString();

let redis: Redis;
let app: FastifyInstance;
let now = t0;

const body = {
  matchers: [{ name: 'alertname', value: 'DiskFull', isRegex: false, isEqual: true }],
  startsAt: iso(t0),
  endsAt: iso(t0 + hour),
  createdBy: 'ana',
  comment: 'disk swap',
};

beforeAll(() => {
  redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
});

// A fresh app and key prefix per test, so listings only see the test's own silences.
beforeEach(async () => {
  now = t0;
  app = Fastify();
  registerSilenceRoutes(app, {
    store: createSilenceStore(redis, { keyPrefix: `${runPrefix}${randomUUID()}:` }),
    clock: { now: () => now },
  });
  await app.ready();
  return () => app.close();
});

afterAll(async () => {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${runPrefix}*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
  await redis.quit();
});

async function post(payload: unknown) {
  return app.inject({ method: 'POST', url: '/api/v2/silences', payload: payload as object });
}

async function create(payload: object = body): Promise<string> {
  const res = await post(payload);
  expect(res.statusCode, res.body).toBe(200);
  return res.json<{ silenceID: string }>().silenceID;
}

async function getSilence(id: string) {
  return app.inject({ method: 'GET', url: `/api/v2/silence/${id}` });
}

describe('POST /api/v2/silences', () => {
  it('creates a silence and answers its id; GET /api/v2/silence/:id returns it with its state', async () => {
    const id = await create();
    const res = await getSilence(id);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      id,
      status: { state: 'active' },
      updatedAt: iso(t0),
      matchers: [{ name: 'alertname', value: 'DiskFull', type: '=', isRegex: false, isEqual: true }],
      startsAt: iso(t0),
      endsAt: iso(t0 + hour),
      createdBy: 'ana',
      comment: 'disk swap',
    });
  });

  it('takes matchers with our type field too, and reports state as the clock moves', async () => {
    const id = await create({
      ...body,
      matchers: [{ name: 'instance', value: 'db-.*', type: '=~' }],
      startsAt: iso(t0 + hour),
      endsAt: iso(t0 + 2 * hour),
    });
    const state = async () => (await getSilence(id)).json<{ status: { state: string } }>().status.state;
    expect(await state()).toBe('pending');
    now = t0 + hour;
    expect(await state()).toBe('active');
    now = t0 + 2 * hour;
    expect(await state()).toBe('expired');
  });

  it('updates in place when only endsAt/comment change, and replaces the silence when matchers change', async () => {
    const id = await create();
    now = t0 + minute;
    const same = await create({ ...body, id, comment: 'still swapping', endsAt: iso(t0 + 2 * hour) });
    expect(same).toBe(id);
    expect((await getSilence(id)).json()).toMatchObject({ comment: 'still swapping', endsAt: iso(t0 + 2 * hour), updatedAt: iso(now) });

    const replaced = await create({ ...body, id, matchers: [{ name: 'alertname', value: 'Disk.*', isRegex: true }] });
    expect(replaced).not.toBe(id);
    expect((await getSilence(id)).json()).toMatchObject({ status: { state: 'expired' }, endsAt: iso(now) });
    expect((await getSilence(replaced)).json()).toMatchObject({ status: { state: 'active' }, matchers: [{ type: '=~', isRegex: true }] });
  });

  it('answers 400 listing every problem', async () => {
    const res = await post({
      id: 42,
      matchers: [{ name: 'job', value: '(', type: '=~' }],
      startsAt: 'soon',
      endsAt: iso(t0),
      createdBy: '',
    });
    expect(res.statusCode).toBe(400);
    const err = res.json<{ code: string; message: string; problems: { path: string }[] }>();
    expect(err.code).toBe('TW_ALERT_SILENCE_INVALID');
    expect(err.problems.map((p) => p.path).sort()).toEqual(['comment', 'createdBy', 'id', 'matchers.0.value', 'startsAt']);
    expect(err.message).toMatch(/5 problem/);
  });

  it('answers 400 for a silence matching every alert, or one already over', async () => {
    const all = await post({ ...body, matchers: [{ name: 'alertname', value: '.*', isRegex: true }] });
    expect(all.statusCode).toBe(400);
    expect(all.json()).toMatchObject({ problems: [{ path: 'matchers', message: expect.stringContaining('empty string') }] });

    now = t0 + 2 * hour;
    const over = await post(body);
    expect(over.statusCode).toBe(400);
    expect(over.json()).toMatchObject({ problems: [{ path: 'endsAt', message: 'must be in the future' }] });
  });

  it('answers 400 with JSON for a malformed body', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v2/silences',
      headers: { 'content-type': 'application/json' },
      payload: '{"matchers": [',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'FST_ERR_CTP_INVALID_JSON_BODY', message: expect.any(String) });
  });

  it('answers 404 when updating an unknown id', async () => {
    const res = await post({ ...body, id: 'no-such-id' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'TW_ALERT_SILENCE_NOT_FOUND' });
  });
});

describe('GET /api/v2/silences', () => {
  it('lists silences in display order, filtered by repeated filter params', async () => {
    const disk = await create();
    const api = await create({
      ...body,
      matchers: [
        { name: 'alertname', value: 'Latency', isRegex: false },
        { name: 'job', value: 'api', isRegex: false },
      ],
      endsAt: iso(t0 + 2 * hour),
    });
    const list = async (query = '') => {
      const res = await app.inject({ method: 'GET', url: `/api/v2/silences${query}` });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ id: string; status: { state: string } }[]>();
    };
    expect((await list()).map((s) => s.id)).toEqual([disk, api]);
    expect((await list()).map((s) => s.status.state)).toEqual(['active', 'active']);
    expect((await list('?filter=alertname%3D%22DiskFull%22')).map((s) => s.id)).toEqual([disk]);
    expect((await list('?filter=alertname%3D~%22.*%22&filter=job%3Dapi')).map((s) => s.id)).toEqual([api]);
    expect((await list('?filter=job!%3Dapi')).map((s) => s.id)).toEqual([disk]);
    expect(await list('?filter=team%3Dpayments')).toEqual([]);
  });

  it('answers 400 for a filter that is not a matcher', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v2/silences?filter=alertname' });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'TW_ALERT_SILENCE_FILTER_INVALID' });
  });

  it('filters with a nested-quantifier regex in linear time, so one GET cannot freeze the service', async () => {
    // JavaScript's backtracking engine spent 2.3 s on 26 `a`s and a `!`, four times more per two
    // more characters: 40 would block the event loop for hours. RE2 answers at once.
    const redos = await create({ ...body, matchers: [...body.matchers, { name: 'redos', value: `${'a'.repeat(40)}!`, isRegex: false }] });
    const started = performance.now();
    const res = await app.inject({ method: 'GET', url: `/api/v2/silences?filter=${encodeURIComponent('redos=~"(a+)+"')}` });
    const tookMs = performance.now() - started;
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual([]);
    // A second far from the hours a backtracking engine needs, and loose enough for a busy machine.
    expect(tookMs).toBeLessThan(1_000);
    const hit = await app.inject({ method: 'GET', url: `/api/v2/silences?filter=${encodeURIComponent('redos=~"(a+)+!"')}` });
    expect(hit.json<{ id: string }[]>().map((s) => s.id)).toEqual([redos]);
  });

  it('answers 400 for a filter regex RE2 does not accept (a backreference)', async () => {
    const res = await app.inject({ method: 'GET', url: `/api/v2/silences?filter=${encodeURIComponent('job=~"(a)\\1"')}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'TW_ALERT_SILENCE_FILTER_INVALID' });
  });
});

describe('GET and DELETE /api/v2/silence/:id', () => {
  it('expires a silence; expiring it again is a 409', async () => {
    const id = await create();
    now = t0 + minute;
    const del = await app.inject({ method: 'DELETE', url: `/api/v2/silence/${id}` });
    expect(del.statusCode).toBe(200);
    expect((await getSilence(id)).json()).toMatchObject({ status: { state: 'expired' }, endsAt: iso(t0 + minute) });

    const again = await app.inject({ method: 'DELETE', url: `/api/v2/silence/${id}` });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'TW_ALERT_SILENCE_ALREADY_EXPIRED' });
  });

  it('answers 404 for unknown ids', async () => {
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await app.inject({ method, url: '/api/v2/silence/no-such-id' });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ code: 'TW_ALERT_SILENCE_NOT_FOUND', message: expect.stringContaining('no-such-id') });
    }
  });
});

describe('when Redis is down', () => {
  it('answers 503 with the retriable code', async () => {
    const down = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    const broken = Fastify();
    registerSilenceRoutes(broken, { store: createSilenceStore(down, { keyPrefix: runPrefix }) });
    const res = await broken.inject({ method: 'GET', url: '/api/v2/silences' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ code: 'TW_ALERT_SILENCE_STORE_UNAVAILABLE' });
    await broken.close();
    down.disconnect();
  });
});
