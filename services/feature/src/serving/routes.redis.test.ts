import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createAvroDecoder, createAvroEncoder } from '@tidewater/kafka';
import { createMetricsRegistry, createOpsServer } from '@tidewater/ops-server';
import { loadSchema, maxIdLength, type FeatureVector } from '@tidewater/schemas';
import { featureMetrics } from '../metrics.js';
import { createOnlineStore, type OnlineStore } from '../state/online-store.js';
import { registerServingRoutes } from './routes.js';

// The online store is Redis; these tests use the machine's Redis under a prefix of their own.
const prefix = `tw-test:feature-serving:${randomUUID()}:`;
let redis: Redis;
let store: OnlineStore;
// The ops server every service serves these routes on: its router limits are part of what is tested.
const { app: http } = createOpsServer({ registry: createMetricsRegistry('feature'), readiness: {}, logger: pino({ level: 'silent' }) });

function vector(entity: string, eventTime: number, amount: number): FeatureVector {
  return {
    event_id: `${entity}-${eventTime}`,
    entity_key: entity,
    feature_set: 'card-fraud',
    feature_set_version: '2-abc',
    event_time: eventTime,
    ingested_at: eventTime + 5,
    feature_time: eventTime + 9,
    late: false,
    features: { amount, channel: 'ecom', amount_to_mean_7d: null, flag: true },
  };
}

beforeAll(async () => {
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: 1 });
  // The library's in-memory registry (mock://): the store keeps the Avro the service publishes.
  const registry = SchemaRegistryClient.newClient({ baseURLs: ['mock://'] });
  const schema = loadSchema('featureVector');
  store = createOnlineStore(redis, prefix, 60_000, {
    encoder: await createAvroEncoder<FeatureVector>({ registry, subject: 'features-value', schema, autoRegister: true }),
    decoder: createAvroDecoder<FeatureVector>({ registry, readerSchema: schema }),
  });
  registerServingRoutes(http, store, featureMetrics(new Registry()));
  await http.ready();
});

afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await http.close();
});

describe('serving routes', () => {
  it('GET /v1/features/{entity} returns the newest vector by event time, with a TTL on the key', async () => {
    await store.write([vector('card/1 ä', 1000, 10), vector('card/1 ä', 3000, 30)]);
    await store.write([vector('card/1 ä', 2000, 20)]); // older: does not replace
    const res = await http.inject({ method: 'GET', url: `/v1/features/${encodeURIComponent('card/1 ä')}` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(vector('card/1 ä', 3000, 30));
    const ttl = await redis.pttl(`${prefix}online:{card/1 ä}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('stores the Avro the service publishes, and still reads a vector an earlier version stored as JSON', async () => {
    await store.write([vector('avro', 1000, 1)]);
    const stored = await redis.hgetBuffer(`${prefix}online:{avro}`, 'v');
    expect(stored?.[0]).toBe(0); // Confluent wire format's magic byte, not '{'
    await redis.hset(`${prefix}online:{json}`, 't', 1000, 'v', JSON.stringify(vector('json', 1000, 2)));
    const res = await http.inject({ method: 'GET', url: '/v1/features/json' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual(vector('json', 1000, 2));
  });

  it('answers 404 for an entity it holds nothing for', async () => {
    const res = await http.inject({ method: 'GET', url: '/v1/features/nobody' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found', entity_key: 'nobody' });
  });

  it('POST /v1/features:batchGet answers in request order, found or not', async () => {
    await store.write([vector('a', 1, 1), vector('b', 2, 2)]);
    const res = await http.inject({ method: 'POST', url: '/v1/features:batchGet', payload: { entities: ['b', 'zz', 'a'] } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      vectors: [
        { entity_key: 'b', found: true, vector: vector('b', 2, 2) },
        { entity_key: 'zz', found: false, vector: null },
        { entity_key: 'a', found: true, vector: vector('a', 1, 1) },
      ],
    });
  });

  it('rejects a batch that is empty, too large, holds an empty id or is not a list', async () => {
    for (const payload of [
      { entities: [] },
      { entities: Array.from({ length: 1001 }, (_, i) => `e${i}`) },
      { entities: [''] },
      { entities: { a: 1 } },
      {},
    ]) {
      const res = await http.inject({ method: 'POST', url: '/v1/features:batchGet', payload });
      expect(res.statusCode).toBe(400);
    }
  });

  // Issue 20, hole 4: ingestion accepts ids of up to 128 code units; each must be servable here.
  it('serves the longest id ingestion accepts, even when every character percent-encodes to 9 bytes', async () => {
    for (const id of ['€'.repeat(maxIdLength), 'x'.repeat(maxIdLength), '😀'.repeat(maxIdLength / 2)]) {
      await store.write([vector(id, 1, 1)]);
      const res = await http.inject({ method: 'GET', url: `/v1/features/${encodeURIComponent(id)}` });
      expect(res.statusCode, id).toBe(200);
      expect(res.json().entity_key).toBe(id);
      const batch = await http.inject({ method: 'POST', url: '/v1/features:batchGet', payload: { entities: [id] } });
      expect(batch.json().vectors[0]).toMatchObject({ entity_key: id, found: true });
    }
  });

  it('refuses an id over the contract with a short 400 that does not quote it', async () => {
    const long = 'x'.repeat(maxIdLength + 1);
    const res = await http.inject({ method: 'GET', url: `/v1/features/${long}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'TW_FEATURE_INVALID_REQUEST', message: 'entity key must be at most 128 characters, got 129' });
    expect(res.body).not.toContain(long);
    const huge = await http.inject({ method: 'GET', url: `/v1/features/${'x'.repeat(20_000)}` });
    expect([400, 414]).toContain(huge.statusCode);
    expect(huge.body.length).toBeLessThan(300);
    // A lone surrogate cannot be percent-encoded as UTF-8 at all (encodeURIComponent throws): the raw bytes are refused.
    expect((await http.inject({ method: 'GET', url: '/v1/features/%ED%A0%80' })).statusCode).toBe(400);
  });

  it('names every entity of a batch that is not an id, without coercing numbers or null to strings', async () => {
    const res = await http.inject({
      method: 'POST',
      url: '/v1/features:batchGet',
      payload: { entities: [1, 'ok', null, '', 'a\ud800', 'y'.repeat(200)] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().problems).toEqual([
      { path: 'entities[0]', message: 'must be a string, got number' },
      { path: 'entities[2]', message: 'must be a string, got null' },
      { path: 'entities[3]', message: 'must not be empty or blank' },
      { path: 'entities[4]', message: 'must be well-formed Unicode (it holds a lone UTF-16 surrogate)' },
      { path: 'entities[5]', message: 'must be at most 128 characters, got 200' },
    ]);
    expect(res.body).not.toContain('yyyyyyyy');
  });

  it('serves __proto__ as an id, and names a __proto__ key of the body as an unknown field, not bad JSON', async () => {
    const get = await http.inject({ method: 'GET', url: '/v1/features/__proto__' });
    expect(get.json()).toEqual({ error: 'not_found', entity_key: '__proto__' });
    const batch = await http.inject({ method: 'POST', url: '/v1/features:batchGet', payload: { entities: ['__proto__', 'constructor'] } });
    expect(batch.json().vectors.map((v: { found: boolean }) => v.found)).toEqual([false, false]);
    const key = await http.inject({
      method: 'POST',
      url: '/v1/features:batchGet',
      headers: { 'content-type': 'application/json' },
      payload: '{"entities":["a"],"__proto__":{"polluted":true}}',
    });
    expect(key.statusCode).toBe(400);
    expect(key.json().problems).toEqual([{ path: '__proto__', message: 'unknown field' }]);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    const bad = await http.inject({
      method: 'POST',
      url: '/v1/features:batchGet',
      headers: { 'content-type': 'application/json' },
      payload: '{"entities":',
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/not valid JSON/);
  });

  it('answers a wrong method on its paths 405 with Allow', async () => {
    const res = await http.inject({ method: 'GET', url: '/v1/features:batchGet' });
    expect(res.statusCode).toBe(405);
    expect(res.headers['allow']).toBe('POST');
    expect((await http.inject({ method: 'PUT', url: '/v1/features/c-1' })).headers['allow']).toBe('GET, HEAD');
  });
});
