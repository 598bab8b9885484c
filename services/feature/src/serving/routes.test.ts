import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { createAvroDecoder, createAvroEncoder } from '@tidewater/kafka';
import { loadSchema, type FeatureVector } from '@tidewater/schemas';
import { featureMetrics } from '../metrics.js';
import { createOnlineStore, type OnlineStore } from '../state/online-store.js';
import { registerServingRoutes } from './routes.js';

// The online store is Redis; these tests use the machine's Redis under a prefix of their own.
const prefix = `tw-test:feature-serving:${randomUUID()}:`;
let redis: Redis;
let store: OnlineStore;
const http = Fastify();

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
});
