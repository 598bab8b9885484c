import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import Fastify, { type FastifyInstance, type LightMyRequestResponse } from 'fastify';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
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
import { hashApiKey } from '../src/api-keys.js';
import { createApp, type IngestionApp } from '../src/app.js';
import { ingestionConfigSchema } from '../src/config.js';

/** What the ingestion integration tests read back from events.valid and events.dlq. */
export interface Collected {
  valid: { eventId: string; cardId: string; merchantId: string; traceparent: string | undefined }[];
  dlq: { value: Buffer | null; code: string; offset: string | undefined; requestId: string | undefined; replayOf: string | undefined }[];
}

/** A valid raw payment event with a fresh id; `patch` overrides fields. */
export function event(patch: Record<string, unknown> = {}): Record<string, unknown> {
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

/** Ingestion wired as main.ts wires it (in this process), on fresh topics of the test stack, with a tap on its outputs. */
export interface IngestionHarness {
  readonly topics: { raw: string; valid: string; dlq: string };
  readonly apiKey: string;
  readonly hmacKey: string;
  readonly kafka: KafkaClient;
  readonly producer: TidewaterProducer;
  readonly registry: SchemaRegistryClient;
  readonly redis: Redis;
  readonly http: FastifyInstance;
  readonly app: IngestionApp;
  readonly metrics: Registry;
  readonly out: Collected;
  /** POST /v1/events with the harness's API key. */
  post(body: string, headers?: Record<string, string>): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startIngestionHarness(): Promise<IngestionHarness> {
  const logger = pino({ level: 'silent' });
  const KEY = `int-key-${randomUUID()}`;
  const HMAC_KEY = `int-hmac-${randomUUID()}`;
  const topics = { raw: uniqueName('ing-raw'), valid: uniqueName('ing-valid'), dlq: uniqueName('ing-dlq') };
  const prefix = `tw:test:ingestion-int:${randomUUID()}:`;
  const out: Collected = { valid: [], dlq: [] };
  const { brokers, registryUrl, redisUrl } = stackEndpoints();
  await createTopics([
    { name: topics.raw, partitions: 3 },
    { name: topics.valid, partitions: 3 },
    { name: topics.dlq, partitions: 1 },
  ]);
  const kafka = createKafkaClient({ brokers, clientId: uniqueName('ingestion-int'), logger });
  const producer = createProducer({ kafka, logger });
  await producer.start();
  const registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
  const redis = new Redis(redisUrl);
  const http = Fastify();
  const metrics = new Registry();
  const config = ingestionConfigSchema.parse({
    KAFKA_BROKERS: brokers.join(','),
    SCHEMA_REGISTRY_URL: registryUrl,
    REDIS_URL: redisUrl,
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
  const app = await createApp({
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
  const tap: KafkaConsumer = kafka.consumer({ groupId: uniqueName('ingestion-int-tap'), maxWaitTimeInMs: 100 });
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
  return {
    topics,
    apiKey: KEY,
    hmacKey: HMAC_KEY,
    kafka,
    producer,
    registry,
    redis,
    http,
    app,
    metrics,
    out,
    post: (payload, headers = {}) =>
      http.inject({
        method: 'POST',
        url: '/v1/events',
        payload,
        headers: { 'content-type': 'application/json', 'x-api-key': KEY, ...headers },
      }),
    async close() {
      await tap.disconnect();
      await app.close();
      await http.close();
      await producer.close();
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    },
  };
}
