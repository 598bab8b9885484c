import type { Redis } from 'ioredis';
import { createConsumerRunner, type ConsumerRunner } from '@tidewater/kafka';
import { avroConsumerCodec, avroTopicWriter, type ServiceRuntime } from '@tidewater/service-runtime';
import type { FeatureVector, PaymentEvent } from '@tidewater/schemas';
import { computeFeatures, featureSet } from './compute-features.js';
import type { FeatureConfig } from './config.js';
import { createWindowState } from './window-state.js';

export type FeatureDeps = Pick<ServiceRuntime, 'kafka' | 'logger' | 'metrics' | 'producer' | 'schemaRegistry' | 'deadLetterWriter'> & {
  readonly redis: Redis;
  readonly config: Pick<
    FeatureConfig,
    'TOPIC_EVENTS_VALID' | 'TOPIC_EVENTS_DLQ' | 'TOPIC_FEATURES' | 'CONSUMER_GROUP' | 'SCHEMA_AUTO_REGISTER' | 'REDIS_KEY_PREFIX'
  >;
  readonly now?: () => number;
};

/** Feature: PaymentEvents in, one FeatureVector per event out on `features`, window state in Redis. */
export async function createApp(deps: FeatureDeps): Promise<{ consumer: ConsumerRunner; start(): Promise<void>; close(): Promise<void> }> {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const out = await avroTopicWriter(deps.schemaRegistry, config.TOPIC_FEATURES, 'featureVector', config.SCHEMA_AUTO_REGISTER);
  const codec = avroConsumerCodec(deps.schemaRegistry, 'paymentEvent');
  const windows = createWindowState(deps.redis, config.REDIS_KEY_PREFIX);

  const consumer = createConsumerRunner<PaymentEvent>({
    kafka: deps.kafka,
    groupId: config.CONSUMER_GROUP,
    topics: [config.TOPIC_EVENTS_VALID],
    logger: deps.logger,
    registry: deps.metrics,
    deadLetters: deps.deadLetterWriter(config.TOPIC_EVENTS_DLQ),
    ...codec,
    handle: async (records) => {
      const aggregates = await windows.applyBatch(records.map((r) => r.value));
      const featureTime = now();
      await deps.producer.send(
        out.topic,
        records.map((r, i) => {
          const e = r.value;
          const vector: FeatureVector = {
            event_id: e.event_id,
            entity_key: e.card_id,
            feature_set: featureSet.name,
            feature_set_version: featureSet.version,
            event_time: e.occurred_at,
            ingested_at: e.ingested_at,
            feature_time: featureTime,
            late: false,
            features: computeFeatures(e, aggregates[i]!),
          };
          return { key: out.key.encode(e.card_id), value: out.value.encode(vector), context: r.context };
        }),
      );
    },
  });
  return { consumer, start: () => consumer.start(), close: () => consumer.close() };
}
