import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createApiKeyStore, hashApiKey, type ApiKeyStore } from './api-keys.js';
import { ingestionConfigSchema, type IngestionConfig } from './config.js';
import { createRedisDedupe } from './dedupe.js';
import { registerHttpApi } from './http-api.js';
import { ingestMetrics } from './ingest-metrics.js';
import { createIngestPath } from './ingest-path.js';
import { createMemorySink, type MemorySink } from './memory-sink.js';
import { createRedisRateLimiter } from './rate-limit.js';

// Real Redis (127.0.0.1:6379 on this machine kind; REDIS_URL overrides) under a prefix of our own, deleted afterwards.
const redisUrl = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379';
const logger = pino({ level: 'silent' });
const now = Date.UTC(2026, 10, 23, 12);
const GOOD = 'good-key-0123456789';
const REVOKED = 'revoked-key-0123456789';
const LIMITED = 'limited-key-0123456789';

let seq = 0;
function event(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `e-${randomUUID()}-${seq++}`,
    occurred_at: '2026-11-23T11:00:00Z',
    card_id: 'card-1',
    amount: 12.5,
    currency: 'EUR',
    merchant_id: 'm-1',
    merchant_category: '5411',
    country: 'DE',
    channel: 'ecom',
    ...patch,
  };
}

interface Harness {
  app: FastifyInstance;
  sink: MemorySink;
  keys: ApiKeyStore;
  registry: Registry;
}

describe('POST /v1/events', () => {
  let redis: Redis;
  let dir: string;
  const prefix = `tw:test:ingestion-http:${randomUUID()}:`;
  const harnesses: Harness[] = [];

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    dir = mkdtempSync(join(tmpdir(), 'ingest-keys-'));
  });
  afterEach(async () => {
    for (const h of harnesses.splice(0)) {
      h.keys.close();
      await h.app.close();
    }
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  async function harness(env: Record<string, string> = {}): Promise<Harness> {
    const keyFile = join(dir, `${randomUUID()}.json`);
    writeFileSync(
      keyFile,
      JSON.stringify({
        keys: [
          { id: 'revoked', sha256: hashApiKey(REVOKED), revoked: true },
          { id: `limited-${randomUUID()}`, sha256: hashApiKey(LIMITED), ratePerSecond: 1, burst: 5 },
        ],
      }),
    );
    const config: IngestionConfig = ingestionConfigSchema.parse({
      KAFKA_BROKERS: 'unused:9092',
      SCHEMA_REGISTRY_URL: 'http://unused',
      API_KEYS: `good-${randomUUID()}:${hashApiKey(GOOD)}`,
      API_KEYS_FILE: keyFile,
      API_KEYS_RELOAD_MS: '100',
      HTTP_MAX_BATCH: '50',
      RATE_LIMIT_BURST: '100000',
      HTTP_BODY_LIMIT_BYTES: '65536',
      HTTP_PUBLISH_TIMEOUT_MS: '300',
      ...env,
    });
    const registry = new Registry();
    const metrics = ingestMetrics(registry);
    const sink = createMemorySink();
    const path = createIngestPath({
      policy: { unknownFields: config.UNKNOWN_FIELDS, maxFutureSkewMs: config.MAX_FUTURE_SKEW_MS },
      protect: (e) => e,
      dedupe: createRedisDedupe(redis, { prefix, windowMs: 60_000, pendingMs: 5_000 }),
      sink,
      metrics,
      logger,
      now: () => now,
    });
    const keys = createApiKeyStore({ envKeys: config.API_KEYS, file: config.API_KEYS_FILE, reloadMs: 100, logger });
    const app = Fastify();
    await registerHttpApi(app, { path, keys, limiter: createRedisRateLimiter(redis, prefix), metrics, logger, config });
    const h = { app, sink, keys, registry };
    harnesses.push(h);
    return h;
  }

  function post(app: FastifyInstance, body: string | Buffer, headers: Record<string, string> = {}) {
    return app.inject({
      method: 'POST',
      url: '/v1/events',
      payload: body,
      headers: { 'content-type': 'application/json', 'x-api-key': GOOD, ...headers },
    });
  }

  it('accepts one event, answers its result with a request id, and continues the caller trace', async () => {
    const { app, sink } = await harness();
    const e = event();
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await post(app, JSON.stringify(e), { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'req-abc' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id']).toBe('req-abc');
    expect(res.json()).toEqual({
      requestId: 'req-abc',
      submitted: 1,
      accepted: 1,
      rejected: 0,
      duplicates: 0,
      results: [{ index: 0, status: 'accepted', eventId: e['event_id'] }],
    });
    expect(sink.valid).toHaveLength(1);
    expect(sink.valid[0]!.event.occurred_at).toBe(Date.UTC(2026, 10, 23, 11));
    expect(trace.getSpanContext(sink.valid[0]!.context!)?.traceId).toBe(traceId);
  });

  it('generates a request id when none (or an unsafe one) is sent', async () => {
    const { app } = await harness();
    const res = await post(app, JSON.stringify(event()), { 'x-request-id': 'bad id with spaces' });
    expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.json().requestId).toBe(res.headers['x-request-id']);
  });

  it('takes a JSON array and NDJSON (CRLF and blank lines too), with per-item results in order', async () => {
    const { app, sink } = await harness();
    const arr = [event(), event({ amount: -1 }), event()];
    const a = await post(app, JSON.stringify(arr));
    expect(a.statusCode).toBe(422);
    expect(a.json().results.map((r: { status: string }) => r.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(a.json().results[1]).toMatchObject({ index: 1, code: 'TW_INGEST_INVALID_AMOUNT' });
    const lines = [event(), event()].map((e) => JSON.stringify(e)).join('\r\n\n');
    const n = await post(app, `${lines}\n`, { 'content-type': 'application/x-ndjson' });
    expect(n.statusCode).toBe(200);
    expect(n.json()).toMatchObject({ submitted: 2, accepted: 2 });
    expect(sink.valid).toHaveLength(4);
    expect(sink.dlq).toHaveLength(1);
    // The rejected item keeps its bytes and names the request (and item) it came from.
    expect(JSON.parse(sink.dlq[0]!.value!.toString())).toEqual(arr[1]);
    expect(sink.dlq[0]!.source).toEqual({ kind: 'http', requestId: `${a.json().requestId}#1` });
  });

  const bad = (patch: Record<string, unknown>) => JSON.stringify(event(patch));
  const withoutAmount = () => {
    const { amount: _a, ...rest } = event();
    return rest;
  };
  it.each<[string, () => string | Buffer, string, number, string]>([
    ['malformed JSON', () => '{"event_id":', 'application/json', 400, 'TW_INGEST_MALFORMED_JSON'],
    [
      'invalid UTF-8',
      () => Buffer.concat([Buffer.from('{"event_id":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]),
      'application/json',
      400,
      'TW_INGEST_MALFORMED_JSON',
    ],
    ['a wrong type', () => bad({ amount: '12' }), 'application/json', 422, 'TW_INGEST_SCHEMA_VIOLATION'],
    ['a missing field', () => JSON.stringify(withoutAmount()), 'application/json', 422, 'TW_INGEST_SCHEMA_VIOLATION'],
    ['a negative amount', () => bad({ amount: -5 }), 'application/json', 422, 'TW_INGEST_INVALID_AMOUNT'],
    [
      'a NaN amount (NDJSON line)',
      () => JSON.stringify(withoutAmount()).replace(/}$/, ',"amount":NaN}'),
      'application/x-ndjson',
      422,
      'TW_INGEST_MALFORMED_JSON',
    ],
    [
      'an amount overflowing to Infinity',
      () => bad({ amount: 1 }).replace('"amount":1', '"amount":1e400'),
      'application/json',
      422,
      'TW_INGEST_INVALID_AMOUNT',
    ],
    ['a bad currency', () => bad({ currency: 'XXQ' }), 'application/json', 422, 'TW_INGEST_INVALID_CURRENCY'],
    ['a far-future timestamp', () => bad({ occurred_at: '2027-01-01T00:00:00Z' }), 'application/json', 422, 'TW_INGEST_FUTURE_TIMESTAMP'],
    ['an unparseable timestamp', () => bad({ occurred_at: 'yesterday' }), 'application/json', 422, 'TW_INGEST_INVALID_TIMESTAMP'],
    ['a JSON scalar', () => '42', 'application/json', 422, 'TW_INGEST_NOT_AN_OBJECT'],
    ['an empty batch', () => '[]', 'application/json', 400, 'TW_INGEST_EMPTY_BATCH'],
    ['an empty NDJSON body', () => '\n\n', 'application/x-ndjson', 400, 'TW_INGEST_EMPTY_BATCH'],
    ['an empty body', () => '', 'application/json', 400, 'TW_INGEST_EMPTY_BATCH'],
    [
      'an over-limit batch',
      () => JSON.stringify(Array.from({ length: 51 }, () => event())),
      'application/json',
      400,
      'TW_INGEST_BATCH_TOO_LARGE',
    ],
    [
      'an oversized body',
      () => JSON.stringify(event({ merchant_category: 'x'.repeat(70_000) })),
      'application/json',
      413,
      'TW_INGEST_BODY_TOO_LARGE',
    ],
    ['a text/plain body', () => bad({}), 'text/plain', 415, 'TW_INGEST_UNSUPPORTED_MEDIA_TYPE'],
    ['a form body', () => 'a=1', 'application/x-www-form-urlencoded', 415, 'TW_INGEST_UNSUPPORTED_MEDIA_TYPE'],
  ])('answers %s with its documented status and code, and the count holds', async (_what, body, contentType, status, code) => {
    const { app, sink } = await harness();
    const res = await post(app, body(), { 'content-type': contentType });
    expect(res.statusCode).toBe(status);
    const json = res.json();
    const codes = [json.error?.code, ...(json.results ?? []).map((r: { code?: string }) => r.code)];
    expect(codes).toContain(code);
    if (json.results) {
      expect(json.accepted + json.rejected + json.duplicates).toBe(json.submitted);
      expect(sink.valid).toHaveLength(json.accepted);
      expect(sink.dlq).toHaveLength(json.rejected);
    } else {
      // Request-level refusals write nothing.
      expect(sink.valid.length + sink.dlq.length).toBe(0);
    }
  });

  it('dead-letters a malformed body whole, with its bytes untouched', async () => {
    const { app, sink } = await harness();
    const body = Buffer.from([0x7b, 0xff, 0x00, 0x7d]);
    const res = await post(app, body);
    expect(res.statusCode).toBe(400);
    expect(sink.dlq).toHaveLength(1);
    expect(sink.dlq[0]!.value).toEqual(body);
    expect(sink.dlq[0]!.error.code).toBe('TW_INGEST_MALFORMED_JSON');
  });

  it('handles unknown fields by policy: dropped by default, rejected with UNKNOWN_FIELDS=reject', async () => {
    const dropping = await harness();
    const e = event({ extra: 1 });
    expect((await post(dropping.app, JSON.stringify(e))).statusCode).toBe(200);
    expect(Object.keys(dropping.sink.valid[0]!.event)).not.toContain('extra');
    const rejecting = await harness({ UNKNOWN_FIELDS: 'reject' });
    const res = await post(rejecting.app, JSON.stringify(event({ extra: 1, other: 2 })));
    expect(res.statusCode).toBe(422);
    expect(res.json().results[0]).toMatchObject({ code: 'TW_INGEST_UNKNOWN_FIELD' });
    expect(res.json().results[0].message).toContain('"extra"');
  });

  it('drops duplicates inside one batch and across batches, counting them', async () => {
    const { app, sink, registry } = await harness();
    const e = event();
    const first = await post(app, JSON.stringify([e, event(), e]));
    expect(first.json()).toMatchObject({ submitted: 3, accepted: 2, duplicates: 1 });
    expect(first.json().results[2]).toEqual({ index: 2, status: 'duplicate', eventId: e['event_id'] });
    const second = await post(app, JSON.stringify([e]));
    expect(second.statusCode).toBe(200);
    expect(second.json()).toMatchObject({ submitted: 1, accepted: 0, duplicates: 1 });
    expect(sink.valid).toHaveLength(2);
    expect(await registry.getSingleMetricAsString('tw_ingest_duplicates_total')).toContain('tw_ingest_duplicates_total{input="http"} 2');
  });

  it.each<[string, Record<string, string>, number, string]>([
    ['no API key', { 'x-api-key': '' }, 401, 'TW_INGEST_API_KEY_MISSING'],
    ['an unknown API key', { 'x-api-key': 'nope' }, 401, 'TW_INGEST_API_KEY_INVALID'],
    ['an unknown bearer token', { 'x-api-key': '', authorization: 'Bearer nope' }, 401, 'TW_INGEST_API_KEY_INVALID'],
    ['a revoked API key', { 'x-api-key': REVOKED }, 403, 'TW_INGEST_API_KEY_REVOKED'],
  ])('refuses %s with its status and code and writes nothing', async (_what, headers, status, code) => {
    const { app, sink } = await harness();
    const res = await post(app, JSON.stringify(event()), headers);
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(sink.valid.length + sink.dlq.length).toBe(0);
  });

  it('accepts the key as a bearer token too', async () => {
    const { app } = await harness();
    expect((await post(app, JSON.stringify(event()), { 'x-api-key': '', authorization: `Bearer ${GOOD}` })).statusCode).toBe(200);
  });

  it('sees keys added and revoked in the file without a restart', async () => {
    const { app, keys } = await harness();
    const rotated = `rotated-${randomUUID()}`;
    const file = join(dir, `${randomUUID()}.json`);
    writeFileSync(file, JSON.stringify({ keys: [{ id: 'r', sha256: hashApiKey(rotated) }] }));
    const store = createApiKeyStore({ envKeys: '', file, reloadMs: 100, logger });
    try {
      expect(store.check(rotated)).toMatchObject({ ok: true });
      writeFileSync(file, JSON.stringify({ keys: [{ id: 'r', sha256: hashApiKey(rotated), revoked: true }] }));
      await expect.poll(() => store.check(rotated), { timeout: 5000 }).toEqual({ ok: false, code: 'TW_INGEST_API_KEY_REVOKED' });
      writeFileSync(file, '{ not json');
      await new Promise((r) => setTimeout(r, 400));
      expect(store.check(rotated)).toEqual({ ok: false, code: 'TW_INGEST_API_KEY_REVOKED' }); // a broken file keeps the last keys
    } finally {
      store.close();
    }
    expect(keys.size).toBe(3);
    expect((await post(app, JSON.stringify(event()))).statusCode).toBe(200);
  });

  it('answers 429 with Retry-After once the key bucket is empty, shared across instances', async () => {
    const one = await harness();
    const two = await harness();
    // The limited key: burst 5, 1 event/s. Each harness has its own key id, so use one harness's bucket from both.
    const batch = () => JSON.stringify(Array.from({ length: 3 }, () => event()));
    expect((await post(one.app, batch(), { 'x-api-key': LIMITED })).statusCode).toBe(200);
    const limited = await post(one.app, batch(), { 'x-api-key': LIMITED });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('TW_INGEST_RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(one.sink.valid).toHaveLength(3);
    // Another replica with the same Redis shares the bucket of a key id.
    const shared = createRedisRateLimiter(redis, prefix);
    const id = `shared-${randomUUID()}`;
    expect(await shared.take(id, 5, { ratePerSecond: 1, burst: 5 })).toMatchObject({ allowed: true });
    expect(await createRedisRateLimiter(redis, prefix).take(id, 1, { ratePerSecond: 1, burst: 5 })).toMatchObject({ allowed: false });
    expect(two.sink.valid).toHaveLength(0);
  });

  it('answers 503 with Retry-After when Kafka fails, and the retry after recovery is accepted, not a duplicate', async () => {
    const { app, sink } = await harness();
    const batch = JSON.stringify([event(), event()]);
    sink.mode = 'fail';
    const down = await post(app, batch);
    expect(down.statusCode).toBe(503);
    expect(down.json().error.code).toBe('TW_INGEST_UNAVAILABLE');
    expect(down.headers['retry-after']).toBe('1');
    sink.mode = 'ok';
    const up = await post(app, batch);
    expect(up.statusCode).toBe(200);
    expect(up.json()).toMatchObject({ accepted: 2, duplicates: 0 });
    expect(sink.valid).toHaveLength(2);
  });

  it('answers 503 when Kafka does not acknowledge in time, and refuses more than the in-flight bound at once', async () => {
    const { app, sink } = await harness({ HTTP_MAX_IN_FLIGHT_EVENTS: '3' });
    sink.mode = 'hang';
    const stuckBody = JSON.stringify([event(), event()]);
    const stuck = await post(app, stuckBody);
    expect(stuck.statusCode).toBe(503);
    expect(stuck.json().error.code).toBe('TW_INGEST_UNAVAILABLE');
    // The two events still wait for Kafka: a third request of two would exceed the bound of three.
    const over = await post(app, JSON.stringify([event(), event()]));
    expect(over.statusCode).toBe(503);
    expect(over.json().error.message).toContain('in flight');
    sink.mode = 'ok';
    await expect.poll(() => sink.valid.length).toBe(2);
    // Kafka took the stuck request late: once its claims are confirmed, the retry is a duplicate, not a
    // second copy (until then the retry is told TW_INGEST_IN_FLIGHT, 503).
    await expect.poll(async () => (await post(app, stuckBody)).json()).toMatchObject({ accepted: 0, duplicates: 2 });
    expect(sink.valid).toHaveLength(2);
  });

  it('serves the OpenAPI document at /docs and records latency by route and status', async () => {
    const { app, registry } = await harness();
    const docs = await app.inject('/docs');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('/v1/events');
    await post(app, JSON.stringify(event()));
    const text = await registry.getSingleMetricAsString('tw_ingest_http_request_duration_seconds');
    expect(text).toContain('route="/v1/events",method="POST",status="200"');
  });
});
