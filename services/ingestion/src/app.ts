import type { Redis } from 'ioredis';
import { TidewaterError } from '@tidewater/errors';
import type { PaymentEvent } from '@tidewater/schemas';
import { createConsumerRunner, type ConsumerRunner } from '@tidewater/kafka';
import { avroReader, avroTopicWriter, type ServiceRuntime } from '@tidewater/service-runtime';
import { createApiKeyStore, type ApiKeyStore } from './api-keys.js';
import { validationPolicyOf, type IngestionConfig } from './config.js';
import { createRedisDedupe, noDedupe } from './dedupe.js';
import { registerHttpApi } from './http-api.js';
import { ingestMetrics } from './ingest-metrics.js';
import { createIngestPath, type IngestPath, type IngestSink } from './ingest-path.js';
import { createProtector } from './privacy.js';
import { createRedisRateLimiter } from './rate-limit.js';

export type IngestionDeps = Pick<
  ServiceRuntime,
  'kafka' | 'logger' | 'metrics' | 'producer' | 'schemaRegistry' | 'deadLetterWriter' | 'http'
> & {
  readonly redis: Redis;
  readonly config: Omit<IngestionConfig, 'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL' | 'REDIS_URL'>;
  readonly now?: () => number;
};

export interface IngestionApp {
  readonly consumer: ConsumerRunner;
  readonly path: IngestPath;
  readonly keys: ApiKeyStore;
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Ingestion: raw payment events in from events.raw (JSON, or Avro in the Confluent wire format) and
 * from POST /v1/events, one path for both: validated, normalized, protected, deduplicated Avro
 * PaymentEvents out on events.valid keyed by card; rejects on events.dlq with their original bytes
 * and the reason. Every input ends in exactly one of the two, or is counted as a duplicate.
 */
export async function createApp(deps: IngestionDeps): Promise<IngestionApp> {
  const { config } = deps;
  const metrics = ingestMetrics(deps.metrics);
  const valid = await avroTopicWriter(deps.schemaRegistry, config.TOPIC_EVENTS_VALID, 'paymentEvent', config.SCHEMA_AUTO_REGISTER);
  const deadLetters = deps.deadLetterWriter(config.TOPIC_EVENTS_DLQ);
  const sink: IngestSink = {
    async publishValid(records) {
      if (records.length === 0) return;
      await deps.producer.send(
        valid.topic,
        records.map((r) => ({
          key: valid.key.encode(r.event.card_id),
          value: valid.value.encode(r.event),
          ...(r.context ? { context: r.context } : {}),
        })),
      );
    },
    deadLetter: (letters) => deadLetters.write(letters),
  };
  const path = createIngestPath({
    policy: validationPolicyOf(config),
    protect: createProtector(config.SENSITIVE_FIELDS, config.PRIVACY_HMAC_KEY),
    dedupe: config.DEDUPE_ENABLED
      ? createRedisDedupe(deps.redis, {
          prefix: config.REDIS_KEY_PREFIX,
          windowMs: config.DEDUPE_WINDOW_MS,
          pendingMs: config.DEDUPE_PENDING_MS,
        })
      : noDedupe,
    sink,
    metrics,
    logger: deps.logger,
    avro: avroReader(deps.schemaRegistry, 'rawPaymentEvent'),
    ...(deps.now ? { now: deps.now } : {}),
  });

  const consumer = createConsumerRunner<{ eventId: string; event: PaymentEvent }>({
    kafka: deps.kafka,
    groupId: config.CONSUMER_GROUP,
    topics: [config.TOPIC_EVENTS_RAW],
    logger: deps.logger,
    registry: deps.metrics,
    deadLetters,
    partitionsConsumedConcurrently: config.CONSUMER_PARTITIONS_CONCURRENTLY,
    prepare: (messages) => path.prepare(messages.map((m) => m.value)),
    // Validation failures throw non-retriable TW_INGEST_* (or TW_SERDE_*) errors: the runner dead-letters them.
    decode: (message) => {
      try {
        return path.judge(message.value);
      } catch (err) {
        if (err instanceof TidewaterError && !err.retriable) metrics.rejected.inc({ input: 'kafka', code: err.code });
        throw err;
      }
    },
    // Resolves only once events.valid acknowledged: while Kafka is down the batch waits, so the input pauses.
    // TW_INGEST_IN_FLIGHT (an id claimed by another input right now) is retriable: the runner backs off and retries.
    handle: async (records) => {
      await path.admit(
        records.map((r) => ({
          eventId: r.value.eventId,
          event: r.value.event,
          owner: `kafka:${r.topic}:${r.partition}:${r.offset}`,
          context: r.context,
        })),
        'kafka',
      );
    },
  });

  const keys = createApiKeyStore({
    envKeys: config.API_KEYS,
    file: config.API_KEYS_FILE,
    reloadMs: config.API_KEYS_RELOAD_MS,
    logger: deps.logger,
  });
  if (keys.size === 0) deps.logger.warn('no API keys configured: POST /v1/events answers 401 to every request');
  await registerHttpApi(deps.http, {
    path,
    keys,
    limiter: createRedisRateLimiter(deps.redis, config.REDIS_KEY_PREFIX),
    metrics,
    logger: deps.logger,
    config,
  });

  return {
    consumer,
    path,
    keys,
    start: () => consumer.start(),
    async close() {
      keys.close();
      await consumer.close();
    },
  };
}
