/**
 * Writes a training file: the feature vectors and predictions of an event-time range, joined by
 * event_id, as CSV (one column per feature).
 *
 *   npm run export:training -- --from 2026-11-20T00:00:00Z --to 2026-11-21T00:00:00Z --out train.csv
 *
 * Kafka and the registry come from the environment like the services' (KAFKA_BROKERS,
 * SCHEMA_REGISTRY_URL, TOPIC_FEATURES, TOPIC_PREDICTIONS; TIDEWATER_ENV_FILE=.tidewater/stack.env
 * for the dev stack). --from/--to take ISO 8601 or epoch millis; --to is exclusive.
 */
import { parseArgs } from 'node:util';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { pino } from 'pino';
import { z } from 'zod';
import { checkSecurityEnv, commonServiceEnv, kafkaSecurityEnv, loadConfig, schemaRegistrySecurityEnv } from '@tidewater/config';
import { createKafkaClient } from '@tidewater/kafka';
import { kafkaSecurityOf, schemaRegistryClientConfig, topicNamesEnv } from '@tidewater/service-runtime';
import { exportTraining } from '../src/training-export.js';

const time = (name: string, text: string | undefined): number => {
  const ms = text === undefined ? NaN : /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) {
    console.error(`--${name} must be an ISO 8601 time or epoch millis (got ${text ?? 'nothing'})`);
    process.exit(2);
  }
  return ms;
};

const { values } = parseArgs({
  options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' }, 'timeout-ms': { type: 'string' } },
});
const from = time('from', values.from);
const to = time('to', values.to);
if (!values.out || to <= from) {
  console.error('usage: export-training --from <time> --to <time, after from> --out <file.csv>');
  process.exit(2);
}
const config = loadConfig(
  z
    .object({
      KAFKA_BROKERS: commonServiceEnv.KAFKA_BROKERS,
      SCHEMA_REGISTRY_URL: commonServiceEnv.SCHEMA_REGISTRY_URL,
      ...kafkaSecurityEnv,
      ...schemaRegistrySecurityEnv,
      ...topicNamesEnv,
    })
    .superRefine(...checkSecurityEnv),
);
const logger = pino({ level: 'warn' });
const result = await exportTraining({
  kafka: createKafkaClient({
    brokers: config.KAFKA_BROKERS,
    clientId: 'tidewater-export-training',
    logger,
    security: kafkaSecurityOf(config),
  }),
  registry: new SchemaRegistryClient(schemaRegistryClientConfig(config.SCHEMA_REGISTRY_URL, config)),
  featuresTopic: config.TOPIC_FEATURES,
  predictionsTopic: config.TOPIC_PREDICTIONS,
  from,
  to,
  out: values.out,
  ...(values['timeout-ms'] ? { timeoutMs: Number(values['timeout-ms']) } : {}),
});
console.log(
  `wrote ${result.rows} rows (${result.columns.length} columns) to ${values.out}: ${result.features} vectors and ${result.predictions} predictions in range, ` +
    `${result.unmatchedFeatures} vectors without a prediction, ${result.unmatchedPredictions} predictions without a vector`,
);
