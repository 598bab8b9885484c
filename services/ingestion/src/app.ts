import { Counter } from 'prom-client';
import { createConsumerRunner, type ConsumerRunner } from '@tidewater/kafka';
import { avroTopicWriter, type ServiceRuntime } from '@tidewater/service-runtime';
import type { PaymentEvent } from '@tidewater/schemas';
import type { IngestionConfig } from './config.js';
import { validateRawEvent } from './validate-event.js';

export type IngestionDeps = Pick<ServiceRuntime, 'kafka' | 'logger' | 'metrics' | 'producer' | 'schemaRegistry' | 'deadLetterWriter'> & {
  readonly config: Pick<
    IngestionConfig,
    'TOPIC_EVENTS_RAW' | 'TOPIC_EVENTS_VALID' | 'TOPIC_EVENTS_DLQ' | 'CONSUMER_GROUP' | 'SCHEMA_AUTO_REGISTER'
  >;
  readonly now?: () => number;
};

/**
 * Ingestion: raw JSON payment events in, validated Avro PaymentEvents out on events.valid keyed
 * by card, rejects on events.dlq with their original bytes and the reason. Every input ends in
 * exactly one of the two.
 */
export async function createApp(
  deps: IngestionDeps,
): Promise<{ consumer: ConsumerRunner; start(): Promise<void>; close(): Promise<void> }> {
  const { config } = deps;
  const now = deps.now ?? Date.now;
  const valid = await avroTopicWriter(deps.schemaRegistry, config.TOPIC_EVENTS_VALID, 'paymentEvent', config.SCHEMA_AUTO_REGISTER);
  const accepted = new Counter({
    name: 'tw_ingest_accepted_total',
    help: 'Events accepted and published to events.valid',
    registers: [deps.metrics],
  });

  const consumer = createConsumerRunner<PaymentEvent>({
    kafka: deps.kafka,
    groupId: config.CONSUMER_GROUP,
    topics: [config.TOPIC_EVENTS_RAW],
    logger: deps.logger,
    registry: deps.metrics,
    deadLetters: deps.deadLetterWriter(config.TOPIC_EVENTS_DLQ),
    // Validation failures throw non-retriable TW_INGEST_* errors: the runner dead-letters them.
    decode: (message) => validateRawEvent(message.value, now()),
    handle: async (records) => {
      await deps.producer.send(
        valid.topic,
        records.map((r) => ({ key: valid.key.encode(r.value.card_id), value: valid.value.encode(r.value), context: r.context })),
      );
      accepted.inc(records.length);
    },
  });

  return {
    consumer,
    start: () => consumer.start(),
    close: () => consumer.close(),
  };
}
