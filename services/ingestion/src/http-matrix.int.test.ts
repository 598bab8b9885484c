import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDeadLetterWriter,
  createKafkaClient,
  createProducer,
  headerText,
  type KafkaClient,
  type KafkaConsumer,
  type TidewaterProducer,
} from '@tidewater/kafka';
import { avroReader } from '@tidewater/service-runtime';
import { createTopics, stackEndpoints, uniqueName } from '@tidewater/test-support';
import { hashApiKey } from './api-keys.js';
import { createApp, type IngestionApp } from './app.js';
import { ingestionConfigSchema } from './config.js';
import { bodyOf, event, good, itemCases, type ItemCase, type ResponseBody } from '../test/http-matrix-cases.js';

// The HTTP bad-input matrix of issue #4 on the dev stack: two ingestion apps (UNKNOWN_FIELDS drop and reject,
// replicas sharing Redis) listening on real ports, real Kafka producer and registry, then events.valid and
// events.dlq read back to check that every item ended where its response said.
const logger = pino({ level: 'silent' });
const GOOD = `good-${randomUUID()}`;
const REVOCABLE = `revocable-${randomUUID()}`;
const LIMITED = `limited-${randomUUID()}`;
const BODY_LIMIT = 65_536;
const MAX_BATCH = 50;

interface Sent {
  readonly requestId: string;
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: ResponseBody;
}
interface ReadBack {
  readonly valid: string[];
  readonly dlq: { value: Buffer | null; code: string | undefined; requestId: string | undefined }[];
}

describe('POST /v1/events bad-input matrix on the dev stack', () => {
  const topics = { raw: uniqueName('hm-raw'), valid: uniqueName('hm-valid'), dlq: uniqueName('hm-dlq') };
  const prefix = `tw:test:ingestion-http-matrix:${randomUUID()}:`;
  const dir = mkdtempSync(join(tmpdir(), 'http-matrix-keys-'));
  const keyFile = join(dir, 'keys.json');
  const apps: { http: FastifyInstance; app: IngestionApp; url: string }[] = [];
  const ports: Record<'drop' | 'reject', string> = { drop: '', reject: '' };
  const read: ReadBack = { valid: [], dlq: [] };
  // Requests whose items were read (their results must be on the topics) and requests refused whole (nothing written).
  const processed: { c: Pick<ItemCase, 'framing' | 'items'>; sent: Sent }[] = [];
  const refused: { requestId: string; eventIds: string[] }[] = [];
  let kafka: KafkaClient;
  let producer: TidewaterProducer;
  let redis: Redis;
  let tap: KafkaConsumer;

  const writeKeys = (revocable: 'valid' | 'revoked' | 'removed') =>
    writeFileSync(
      keyFile,
      JSON.stringify({
        keys: [
          { id: 'good', sha256: hashApiKey(GOOD) },
          { id: 'limited', sha256: hashApiKey(LIMITED), ratePerSecond: 1, burst: 5 },
          ...(revocable === 'removed' ? [] : [{ id: 'revocable', sha256: hashApiKey(REVOCABLE), revoked: revocable === 'revoked' }]),
        ],
      }),
    );

  beforeAll(async () => {
    const { brokers, registryUrl, redisUrl } = stackEndpoints();
    await createTopics([
      { name: topics.valid, partitions: 3 },
      { name: topics.dlq, partitions: 1 },
    ]);
    writeKeys('valid');
    kafka = createKafkaClient({ brokers, clientId: uniqueName('http-matrix'), logger });
    producer = createProducer({ kafka, logger });
    await producer.start();
    const registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
    redis = new Redis(redisUrl);
    for (const policy of ['drop', 'reject'] as const) {
      const metrics = new Registry();
      const http = Fastify();
      const config = ingestionConfigSchema.parse({
        KAFKA_BROKERS: brokers.join(','),
        SCHEMA_REGISTRY_URL: registryUrl,
        REDIS_URL: redisUrl,
        TOPIC_EVENTS_RAW: topics.raw,
        TOPIC_EVENTS_VALID: topics.valid,
        TOPIC_EVENTS_DLQ: topics.dlq,
        REDIS_KEY_PREFIX: prefix,
        UNKNOWN_FIELDS: policy,
        API_KEYS_FILE: keyFile,
        API_KEYS_RELOAD_MS: '100',
        HTTP_BODY_LIMIT_BYTES: String(BODY_LIMIT),
        HTTP_MAX_BATCH: String(MAX_BATCH),
      });
      const deadLetterWriter = (topic: string) => createDeadLetterWriter({ producer, topic, service: 'ingestion', registry: metrics });
      // The consumer of events.raw is never started: this file is about the HTTP input.
      const app = await createApp({ kafka, logger, metrics, producer, schemaRegistry: registry, deadLetterWriter, http, redis, config });
      await http.listen({ port: 0, host: '127.0.0.1' });
      const url = `http://127.0.0.1:${(http.server.address() as AddressInfo).port}/v1/events`;
      apps.push({ http, app, url });
      ports[policy] = url;
    }
    const reader = avroReader(registry, 'paymentEvent');
    tap = kafka.consumer({ groupId: uniqueName('http-matrix-tap'), maxWaitTimeInMs: 100 });
    await tap.connect();
    await tap.subscribe({ topics: [topics.valid, topics.dlq], fromBeginning: true });
    await tap.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === topics.valid) read.valid.push((await reader.decodeAsync(message.value!)).event_id);
        else {
          const h = message.headers ?? {};
          read.dlq.push({ value: message.value, code: headerText(h, 'tw.error.code'), requestId: headerText(h, 'tw.source.request_id') });
        }
      },
    });
  });

  afterAll(async () => {
    await tap?.disconnect();
    for (const { app, http } of apps) {
      await app.close();
      await http.close();
    }
    await producer?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis?.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  async function send(body: Buffer | string, headers: Record<string, string> = {}, app: 'drop' | 'reject' = 'drop'): Promise<Sent> {
    const requestId = `hm-${randomUUID()}`;
    const res = await fetch(ports[app], {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-api-key': GOOD, 'x-request-id': requestId, ...headers },
    });
    const json = (await res.json()) as ResponseBody;
    expect(res.headers.get('x-request-id')).toBe(requestId);
    expect(json.requestId).toBe(requestId);
    return { requestId, status: res.status, retryAfter: res.headers.get('retry-after'), body: json };
  }

  /** A request that must be refused whole: its status and code, and (checked at the end) nothing of it written. */
  async function refuse(
    body: Buffer | string,
    headers: Record<string, string>,
    status: number,
    code: string,
    eventIds: string[] = [],
    app: 'drop' | 'reject' = 'drop',
  ) {
    const sent = await send(body, headers, app);
    expect([sent.status, sent.body.error?.code]).toEqual([status, code]);
    expect(sent.body.results).toBeUndefined();
    refused.push({ requestId: sent.requestId, eventIds });
    return sent;
  }

  /** A request whose items are read: its status, and each item's documented fate in order. */
  async function ingest(c: ItemCase, headers: Record<string, string> = {}) {
    const ndjson: Record<string, string> = c.framing === 'ndjson' ? { 'content-type': 'application/x-ndjson' } : {};
    const sent = await send(bodyOf(c), { ...ndjson, ...headers }, c.app);
    const { body } = sent;
    expect([c.what, sent.status, body.error?.code]).toEqual([c.what, c.status, c.error]);
    expect([c.what, body.results?.map((r) => r.code ?? r.status)]).toEqual([c.what, c.items.map((i) => i.fate)]);
    expect(body.submitted).toBe(c.items.length);
    expect(body.accepted! + body.rejected! + body.duplicates!).toBe(body.submitted);
    processed.push({ c, sent });
  }

  it('answers each bad item with its documented status and per-item code, over real HTTP', async () => {
    for (const c of itemCases()) await ingest(c);
  });

  it('refuses a whole request before reading its items with the documented status and code', async () => {
    const e = event();
    const big = event({ merchant_category: 'x'.repeat(BODY_LIMIT) });
    await refuse(JSON.stringify(big), {}, 413, 'TW_INGEST_BODY_TOO_LARGE', [big['event_id'] as string]);
    await refuse(JSON.stringify(e), { 'content-type': 'text/plain' }, 415, 'TW_INGEST_UNSUPPORTED_MEDIA_TYPE', [e['event_id'] as string]);
    await refuse('a=1', { 'content-type': 'application/x-www-form-urlencoded' }, 415, 'TW_INGEST_UNSUPPORTED_MEDIA_TYPE');
    await refuse('[]', {}, 400, 'TW_INGEST_EMPTY_BATCH');
    await refuse('', {}, 400, 'TW_INGEST_EMPTY_BATCH');
    await refuse('\n \n', { 'content-type': 'application/x-ndjson' }, 400, 'TW_INGEST_EMPTY_BATCH');
    const over = Array.from({ length: MAX_BATCH + 1 }, () => event());
    const overIds = over.map((o) => o['event_id'] as string);
    await refuse(JSON.stringify(over), {}, 400, 'TW_INGEST_BATCH_TOO_LARGE', overIds);
    await refuse(JSON.stringify(e), { 'x-api-key': '' }, 401, 'TW_INGEST_API_KEY_MISSING', [e['event_id'] as string]);
    await refuse(JSON.stringify(e), { 'x-api-key': 'not-a-key' }, 401, 'TW_INGEST_API_KEY_INVALID', [e['event_id'] as string]);
    await refuse(JSON.stringify(e), { 'x-api-key': '', authorization: 'Bearer not-a-key' }, 401, 'TW_INGEST_API_KEY_INVALID');
  });

  it('answers 403 once a key is revoked in the key file, and 401 once it is removed, without a restart', async () => {
    await ingest(
      { what: 'the revocable key while valid', app: 'drop', framing: 'array', items: [good()], status: 200 },
      { 'x-api-key': REVOCABLE },
    );
    // An empty batch is answered 400 while the key is valid and 403/401 once the reload saw the file: a probe that writes nothing.
    const probe = async () => (await send('[]', { 'x-api-key': REVOCABLE })).body.error?.code;
    writeKeys('revoked');
    await expect.poll(probe, { timeout: 10_000, interval: 100 }).toBe('TW_INGEST_API_KEY_REVOKED');
    const e = event();
    await refuse(JSON.stringify(e), { 'x-api-key': REVOCABLE }, 403, 'TW_INGEST_API_KEY_REVOKED', [e['event_id'] as string]);
    writeKeys('removed');
    await expect.poll(probe, { timeout: 10_000, interval: 100 }).toBe('TW_INGEST_API_KEY_INVALID');
    await refuse(JSON.stringify(e), { 'x-api-key': REVOCABLE }, 401, 'TW_INGEST_API_KEY_INVALID', [e['event_id'] as string]);
    // The other keys were untouched by the rewrites.
    await ingest({ what: 'another key after the rewrites', app: 'reject', framing: 'array', items: [good()], status: 200 });
  });

  it('answers 429 with Retry-After once the key bucket is empty, on either replica', async () => {
    // The limited key: burst 5, 1 event/s, one bucket in Redis for both replicas.
    const five = {
      what: 'the limited key within its burst',
      app: 'drop',
      framing: 'array',
      items: Array.from({ length: 5 }, good),
    } as const;
    await ingest({ ...five, status: 200 }, { 'x-api-key': LIMITED });
    // Three events: a refill of three tokens (3 s) between the two requests would be needed to pass.
    const over = [event(), event(), event()];
    const ids = over.map((o) => o['event_id'] as string);
    const limited = await refuse(JSON.stringify(over), { 'x-api-key': LIMITED }, 429, 'TW_INGEST_RATE_LIMITED', ids);
    expect(Number(limited.retryAfter)).toBeGreaterThanOrEqual(1);
    // The other replica shares the bucket.
    await refuse(JSON.stringify(over), { 'x-api-key': LIMITED }, 429, 'TW_INGEST_RATE_LIMITED', ids, 'reject');
  });

  it('holds the end-to-end count: every item on events.valid, events.dlq, or counted a duplicate, exactly once', async () => {
    const total = { submitted: 0, accepted: 0, rejected: 0, duplicates: 0, sent: 0 };
    for (const { c, sent } of processed) {
      total.sent += c.items.length;
      for (const k of ['submitted', 'accepted', 'rejected', 'duplicates'] as const) total[k] += sent.body[k]!;
    }
    expect(total.accepted + total.rejected + total.duplicates).toBe(total.submitted);
    expect(total.submitted).toBe(total.sent);
    expect(total.rejected).toBeGreaterThan(20);
    // Every response came after Kafka acknowledged its records: the high watermarks are final; read up to them.
    const admin = kafka.admin();
    await admin.connect();
    const count = async (topic: string) => (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
    const ends = { valid: await count(topics.valid), dlq: await count(topics.dlq) };
    await admin.disconnect();
    expect(ends).toEqual({ valid: total.accepted, dlq: total.rejected });
    await expect.poll(() => ({ valid: read.valid.length, dlq: read.dlq.length }), { timeout: 30_000 }).toEqual(ends);

    const onValid = new Map<string, number>();
    for (const id of read.valid) onValid.set(id, (onValid.get(id) ?? 0) + 1);
    for (const { c, sent } of processed) {
      const single = sent.body.submitted === 1;
      sent.body.results!.forEach((r, i) => {
        if (r.status !== 'rejected') {
          expect([r.eventId, onValid.get(r.eventId!)]).toEqual([r.eventId, 1]);
          return;
        }
        // Dead-lettered with the bytes as sent, its code, and the request (and item) it came from.
        const source = single ? sent.requestId : `${sent.requestId}#${i}`;
        const letters = read.dlq.filter((d) => d.requestId === source);
        expect([source, letters.length]).toEqual([source, 1]);
        expect(letters[0]!.code).toBe(r.code);
        expect(letters[0]!.value).toEqual(c.items[i]!.bytes);
      });
    }
    // Requests refused whole wrote nothing: none of their events on events.valid, no dead letter naming them.
    for (const { requestId, eventIds } of refused) {
      expect(eventIds.filter((id) => onValid.has(id))).toEqual([]);
      expect(read.dlq.filter((d) => d.requestId?.startsWith(requestId))).toEqual([]);
    }
    // Nothing arrives late either: sentinel events sent now (on several cards, so on every partition of
    // events.valid) are read back with nothing else before them.
    const sentinels = Array.from({ length: 12 }, (_, i) => event({ card_id: `sentinel-card-${i}` }));
    const sentinel = await send(JSON.stringify(sentinels));
    expect([sentinel.status, sentinel.body.accepted]).toEqual([200, sentinels.length]);
    const sentinelIds = new Set(sentinels.map((e) => e['event_id'] as string));
    await expect.poll(() => read.valid.filter((id) => sentinelIds.has(id)).length, { timeout: 30_000 }).toBe(sentinels.length);
    expect({ valid: read.valid.length, dlq: read.dlq.length }).toEqual({ valid: ends.valid + sentinels.length, dlq: ends.dlq });
  });
});
