import { execFile } from 'node:child_process';
import { createHmac, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import Fastify, { type FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import type { Consumer, Kafka } from 'kafkajs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createAvroEncoder,
  createDeadLetterWriter,
  createKafkaClient,
  createProducer,
  headerText,
  type TidewaterProducer,
} from '@tidewater/kafka';
import { avroReader } from '@tidewater/service-runtime';
import { loadSchema } from '@tidewater/schemas';
import { createTopics, mockKafkaControl, stackEndpoints, uniqueName } from '../../../test/dev-stack-fixture.js';
import { hashApiKey } from './api-keys.js';
import { createApp, type IngestionApp } from './app.js';
import { ingestionConfigSchema } from './config.js';
import { replayDeadLetters } from './dlq-replay.js';

const logger = pino({ level: 'silent' });
const KEY = `int-key-${randomUUID()}`;
const HMAC_KEY = `int-hmac-${randomUUID()}`;
const BROKER_IDS = [1, 2, 3];
const execFileAsync = promisify(execFile);
const replayScript = new URL('../scripts/replay-dlq.ts', import.meta.url).pathname;

interface Collected {
  valid: { eventId: string; cardId: string; merchantId: string; traceparent: string | undefined }[];
  dlq: { value: Buffer | null; code: string; offset: string | undefined; requestId: string | undefined; replayOf: string | undefined }[];
}

function event(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event_id: `e-${randomUUID()}`,
    occurred_at: new Date(Date.now() - 60_000).toISOString(),
    card_id: `card-${Math.floor(Math.random() * 20)}`,
    amount: 10,
    currency: 'EUR',
    merchant_id: 'm-1',
    merchant_category: '5411',
    country: 'DE',
    channel: 'pos',
    ...patch,
  };
}

describe('ingestion on the dev stack', () => {
  const topics = { raw: uniqueName('ing-raw'), valid: uniqueName('ing-valid'), dlq: uniqueName('ing-dlq') };
  const prefix = `tw:test:ingestion-int:${randomUUID()}:`;
  let kafka: Kafka;
  let producer: TidewaterProducer;
  let registry: SchemaRegistryClient;
  let redis: Redis;
  let http: FastifyInstance;
  let app: IngestionApp;
  let metrics: Registry;
  let tap: Consumer;
  const out: Collected = { valid: [], dlq: [] };

  beforeAll(async () => {
    const { brokers, registryUrl, redisUrl } = stackEndpoints();
    await createTopics([
      { name: topics.raw, partitions: 3 },
      { name: topics.valid, partitions: 3 },
      { name: topics.dlq, partitions: 1 },
    ]);
    kafka = createKafkaClient({ brokers, clientId: uniqueName('ingestion-int'), logger });
    producer = createProducer({ kafka, logger });
    await producer.start();
    registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
    redis = new Redis(redisUrl);
    http = Fastify();
    metrics = new Registry();
    const config = ingestionConfigSchema.parse({
      KAFKA_BROKERS: brokers.join(','),
      SCHEMA_REGISTRY_URL: registryUrl,
      TOPIC_EVENTS_RAW: topics.raw,
      TOPIC_EVENTS_VALID: topics.valid,
      TOPIC_EVENTS_DLQ: topics.dlq,
      CONSUMER_GROUP: uniqueName('ingestion-int'),
      REDIS_KEY_PREFIX: prefix,
      API_KEYS: `int:${hashApiKey(KEY)}`,
      HTTP_PUBLISH_TIMEOUT_MS: '1500',
      SENSITIVE_FIELDS: 'card_id:hmac,merchant_id:mask',
      PRIVACY_HMAC_KEY: HMAC_KEY,
    });
    app = await createApp({
      kafka,
      logger,
      metrics,
      producer,
      schemaRegistry: registry,
      deadLetterWriter: (topic) => createDeadLetterWriter({ producer, topic, service: 'ingestion', registry: metrics }),
      http,
      redis,
      config,
    });
    await app.start();
    await app.consumer.assigned();
    const reader = avroReader(registry, 'paymentEvent');
    tap = kafka.consumer({ groupId: uniqueName('ingestion-int-tap'), maxWaitTimeInMs: 100 });
    await tap.connect();
    await tap.subscribe({ topics: [topics.valid, topics.dlq], fromBeginning: true });
    await tap.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === topics.valid) {
          const e = await reader.decodeAsync(message.value!);
          out.valid.push({
            eventId: e.event_id,
            cardId: e.card_id,
            merchantId: e.merchant_id,
            traceparent: headerText(message.headers ?? {}, 'traceparent'),
          });
        } else {
          const h = message.headers ?? {};
          out.dlq.push({
            value: message.value,
            code: headerText(h, 'tw.error.code') ?? '',
            offset: headerText(h, 'tw.source.offset'),
            requestId: headerText(h, 'tw.source.request_id'),
            replayOf: headerText(h, 'tw.replay.of'),
          });
        }
      },
    });
  });

  afterAll(async () => {
    await tap?.disconnect();
    await app?.close();
    await http?.close();
    await producer?.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis?.quit();
  });

  const post = (body: string, headers: Record<string, string> = {}) =>
    http.inject({
      method: 'POST',
      url: '/v1/events',
      payload: body,
      headers: { 'content-type': 'application/json', 'x-api-key': KEY, ...headers },
    });

  async function duplicates(input: 'kafka' | 'http'): Promise<number> {
    const m = await metrics.getSingleMetric('tw_ingest_duplicates_total')!.get();
    return m.values.find((v) => v.labels['input'] === input)?.value ?? 0;
  }

  it('routes every raw Kafka input (JSON and Avro, good and bad) to events.valid, events.dlq or the duplicate count', async () => {
    const dup = event();
    const { amount: _a, ...missing } = event();
    const avro = await createAvroEncoder<Record<string, unknown>>({
      registry,
      subject: `${topics.raw}-value`,
      schema: loadSchema('rawPaymentEvent'),
      autoRegister: true,
    });
    const avroEvent = event();
    const cases: [string, Buffer, string | 'valid' | 'duplicate'][] = [
      ['good JSON', Buffer.from(JSON.stringify(event())), 'valid'],
      ['good Avro', avro.encode(avroEvent), 'valid'],
      ['Avro with a broken body', Buffer.concat([avro.encode(event()).subarray(0, 8)]), 'TW_SERDE_CORRUPT_BODY'],
      ['malformed JSON', Buffer.from('{"event_id":'), 'TW_INGEST_MALFORMED_JSON'],
      ['invalid UTF-8', Buffer.from([0x7b, 0xc3, 0x28, 0x7d]), 'TW_INGEST_MALFORMED_JSON'],
      ['a wrong type', Buffer.from(JSON.stringify(event({ amount: '1' }))), 'TW_INGEST_SCHEMA_VIOLATION'],
      ['a missing field', Buffer.from(JSON.stringify(missing)), 'TW_INGEST_SCHEMA_VIOLATION'],
      ['a negative amount', Buffer.from(JSON.stringify(event({ amount: -1 }))), 'TW_INGEST_INVALID_AMOUNT'],
      // JSON has no NaN (it is malformed JSON there); Avro's double does.
      ['a NaN amount (Avro)', avro.encode(event({ amount: Number.NaN })), 'TW_INGEST_INVALID_AMOUNT'],
      ['an unknown field (dropped by the default policy)', Buffer.from(JSON.stringify(event({ note: 'x' }))), 'valid'],
      ['a bad currency', Buffer.from(JSON.stringify(event({ currency: 'EURO' }))), 'TW_INGEST_INVALID_CURRENCY'],
      ['a far-future timestamp', Buffer.from(JSON.stringify(event({ occurred_at: '2099-01-01T00:00:00Z' }))), 'TW_INGEST_FUTURE_TIMESTAMP'],
      ['an unparseable timestamp', Buffer.from(JSON.stringify(event({ occurred_at: 'soon' }))), 'TW_INGEST_INVALID_TIMESTAMP'],
      ['a first copy', Buffer.from(JSON.stringify(dup)), 'valid'],
      ['a second copy', Buffer.from(JSON.stringify(dup)), 'duplicate'],
    ];
    const dupsBefore = await duplicates('kafka');
    // One partition key so the two copies keep their order.
    await producer.send(
      topics.raw,
      cases.map(([, value]) => ({ key: 'k', value })),
    );
    const expectedValid = cases.filter((c) => c[2] === 'valid').length;
    const expectedDlq = cases.filter((c) => c[2] !== 'valid' && c[2] !== 'duplicate');
    await expect.poll(() => out.dlq.filter((d) => d.offset !== undefined).length, { timeout: 30_000 }).toBe(expectedDlq.length);
    await expect.poll(() => out.valid.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(expectedValid);
    expect(out.valid.map((v) => v.eventId)).toEqual(expect.arrayContaining([avroEvent['event_id'], dup['event_id']]));
    // SENSITIVE_FIELDS as wired by createApp: the card hashed with the key, the merchant masked.
    expect(out.valid.find((v) => v.eventId === avroEvent['event_id'])).toMatchObject({
      cardId: createHmac('sha256', HMAC_KEY).update(String(avroEvent['card_id'])).digest('hex'),
      merchantId: '**1',
    });
    expect(await duplicates('kafka')).toBe(dupsBefore + 1);
    // Each rejected input kept its bytes and got its documented code.
    const byBytes = new Map(out.dlq.map((d) => [d.value?.toString('hex'), d.code]));
    for (const [what, bytes, code] of expectedDlq) expect([what, byBytes.get(bytes.toString('hex'))]).toEqual([what, code]);
    expect(out.valid.length + out.dlq.length + 1).toBe(cases.length);
  });

  it('replays dead letters by code through the same validation (script and function)', async () => {
    const dlqBefore = out.dlq.length;
    const { stdout } = await execFileAsync(
      'npx',
      ['tsx', replayScript, '--code', 'TW_INGEST_INVALID_CURRENCY', '--source', 'kafka', '--dry-run'],
      {
        env: {
          ...process.env,
          KAFKA_BROKERS: stackEndpoints().brokers.join(','),
          TOPIC_EVENTS_DLQ: topics.dlq,
          TOPIC_EVENTS_RAW: topics.raw,
        },
      },
    );
    const dry = JSON.parse(stdout.trim().split('\n').at(-1)!);
    expect(dry).toMatchObject({ dryRun: true, matched: 1, replayed: 0, byCode: { TW_INGEST_INVALID_CURRENCY: 1 } });
    const summary = await replayDeadLetters({
      kafka,
      producer,
      dlqTopic: topics.dlq,
      targetTopic: topics.raw,
      filter: { codes: ['TW_INGEST_INVALID_CURRENCY'] },
      dryRun: false,
      logger,
    });
    expect(summary).toMatchObject({ matched: 1, replayed: 1 });
    // Still invalid: ingestion rejects it again, with the same code and the same bytes, marked as a replay.
    await expect.poll(() => out.dlq.length - dlqBefore, { timeout: 30_000 }).toBe(1);
    const again = out.dlq.at(-1)!;
    expect(again.code).toBe('TW_INGEST_INVALID_CURRENCY');
    expect(again.replayOf).toMatch(new RegExp(`^${topics.dlq}/0/\\d+$`));
    expect(JSON.parse(again.value!.toString())).toMatchObject({ currency: 'EURO' });
  });

  it('takes a random sample over HTTP and lands each event in exactly one place on real Kafka', async () => {
    const validBefore = out.valid.length;
    const dlqBefore = out.dlq.length;
    const sample = fc.sample(
      fc.oneof(
        fc.constant(null).map(() => event()),
        fc
          .tuple(fc.constantFrom('amount', 'currency', 'occurred_at', 'channel', 'event_id'), fc.jsonValue())
          .map(([k, v]) => event({ [k]: v })),
      ),
      { numRuns: 120, seed: 42 },
    );
    sample.push(sample[0]!); // a duplicate across the batch
    let accepted = 0;
    let rejected = 0;
    let dups = 0;
    for (let i = 0; i < sample.length; i += 40) {
      const res = await post(JSON.stringify(sample.slice(i, i + 40)));
      expect([200, 422]).toContain(res.statusCode);
      const body = res.json();
      accepted += body.accepted;
      rejected += body.rejected;
      dups += body.duplicates;
    }
    expect(accepted + rejected + dups).toBe(sample.length);
    expect(dups).toBeGreaterThanOrEqual(1);
    await expect.poll(() => out.valid.length - validBefore, { timeout: 30_000 }).toBe(accepted);
    await expect.poll(() => out.dlq.length - dlqBefore, { timeout: 30_000 }).toBe(rejected);
    expect(out.dlq.slice(dlqBefore).every((d) => d.requestId !== undefined)).toBe(true);
  });

  it('continues the trace of the HTTP request on events.valid', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const e = event();
    const res = await post(JSON.stringify(e), { traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    expect(res.statusCode).toBe(200);
    await expect.poll(() => out.valid.find((v) => v.eventId === e['event_id'])?.traceparent, { timeout: 30_000 }).toContain(traceId);
  });

  it('answers 503 while Kafka is down, and loses no accepted event once it returns', { timeout: 180_000 }, async () => {
    const control = await mockKafkaControl();
    if (!control) throw new Error('the dev stack has no mock control channel');
    const before = [event(), event()];
    expect((await post(JSON.stringify(before))).statusCode).toBe(200);
    const during = [event(), event(), event()];
    let down;
    try {
      for (const id of BROKER_IDS) await control.brokerDown(id);
      down = await post(JSON.stringify(during));
    } finally {
      await sleep(500);
      for (const id of BROKER_IDS) await control.brokerUp(id);
      await control.close();
    }
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    expect(down.json().error.code).toMatch(/^TW_INGEST_(UNAVAILABLE|IN_FLIGHT)$/);
    // The client retries as told until Kafka takes the batch: each event accepted once, or reported a
    // duplicate because the send that timed out reached Kafka after all.
    let retry;
    for (let attempt = 0; attempt < 60; attempt++) {
      retry = await post(JSON.stringify(during));
      if (retry.statusCode === 200) break;
      await sleep(1000);
    }
    expect(retry!.statusCode).toBe(200);
    expect(retry!.json().accepted + retry!.json().duplicates).toBe(3);
    const ids = [...before, ...during].map((e) => e['event_id']);
    await expect.poll(() => ids.filter((id) => out.valid.some((v) => v.eventId === id)).length, { timeout: 30_000 }).toBe(5);
    // And none twice: the timed-out first attempt kept its claims (renewed) until Kafka took it, so the
    // retries were told TW_INGEST_IN_FLIGHT and then duplicate, never published again.
    await sleep(1000);
    expect(ids.map((id) => out.valid.filter((v) => v.eventId === id).length)).toEqual([1, 1, 1, 1, 1]);
  });

  it('pauses the Kafka input while Kafka is down and resumes on its own, losing nothing', { timeout: 180_000 }, async () => {
    const control = await mockKafkaControl();
    if (!control) throw new Error('the dev stack has no mock control channel');
    const events = Array.from({ length: 30 }, () => event());
    const ids = new Set(events.map((e) => e['event_id'] as string));
    const landed = () => new Set(out.valid.filter((v) => ids.has(v.eventId)).map((v) => v.eventId)).size;
    let crashed = false;
    void app.consumer.crashed().then(() => (crashed = true));
    let sending: Promise<unknown>;
    try {
      for (const id of BROKER_IDS) await control.brokerDown(id);
      sending = producer.send(
        topics.raw,
        events.map((e) => ({ key: e['card_id'] as string, value: Buffer.from(JSON.stringify(e)) })),
      );
      sending.catch(() => undefined); // awaited below
      await sleep(3000);
      expect(landed()).toBe(0);
    } finally {
      for (const id of BROKER_IDS) await control.brokerUp(id);
      await control.close();
    }
    await sending;
    await expect.poll(landed, { timeout: 90_000, interval: 500 }).toBe(30);
    expect(crashed).toBe(false);
  });
});
