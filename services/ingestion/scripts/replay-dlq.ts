/**
 * Replays dead letters of events.dlq into events.raw, where ingestion validates them again.
 * `npm run dlq:replay -- [--code TW_INGEST_INVALID_CURRENCY[,..]] [--partition N] [--from-offset N]
 *   [--to-offset N] [--since ISO] [--until ISO] [--source kafka|http] [--limit N] [--dry-run]`
 * Connection and topic names come from the environment as for the service (KAFKA_BROKERS,
 * TOPIC_EVENTS_DLQ, TOPIC_EVENTS_RAW; TIDEWATER_ENV_FILE=.tidewater/stack.env for the dev stack).
 * Prints one line per matching record, then a JSON summary as the last line.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { checkSecurityEnv, csvList, kafkaSecurityEnv, loadConfig } from '@tidewater/config';
import { createKafkaClient, createProducer } from '@tidewater/kafka';
import { createLogger, flushLogger } from '@tidewater/logging';
import { kafkaSecurityOf, topicNamesEnv } from '@tidewater/service-runtime';
import { replayDeadLetters, type ReplayFilter } from '../src/dlq-replay.js';

const { values } = parseArgs({
  options: {
    code: { type: 'string', multiple: true },
    partition: { type: 'string' },
    'from-offset': { type: 'string' },
    'to-offset': { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    source: { type: 'string' },
    limit: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
});

const args = z
  .object({
    code: z.array(z.string()).optional(),
    partition: z.coerce.number().int().min(0).optional(),
    'from-offset': z.string().regex(/^\d+$/).transform(BigInt).optional(),
    'to-offset': z.string().regex(/^\d+$/).transform(BigInt).optional(),
    since: z.iso.datetime({ offset: true }).transform(Date.parse).optional(),
    until: z.iso.datetime({ offset: true }).transform(Date.parse).optional(),
    source: z.enum(['kafka', 'http']).optional(),
    limit: z.coerce.number().int().positive().optional(),
    'dry-run': z.boolean(),
  })
  .parse(values);

const config = loadConfig(
  z
    .object({ KAFKA_BROKERS: csvList(), ...kafkaSecurityEnv, ...topicNamesEnv, LOG_LEVEL: z.string().default('warn') })
    .superRefine(...checkSecurityEnv),
);
const logger = createLogger({ service: 'dlq-replay', level: config.LOG_LEVEL });
const kafka = createKafkaClient({
  brokers: config.KAFKA_BROKERS,
  clientId: 'tidewater-dlq-replay',
  logger,
  security: kafkaSecurityOf(config),
});
const producer = createProducer({ kafka, logger });
const filter: ReplayFilter = {
  ...(args.code ? { codes: args.code.flatMap((c) => c.split(',')) } : {}),
  ...(args.partition !== undefined ? { partition: args.partition } : {}),
  ...(args['from-offset'] !== undefined ? { fromOffset: args['from-offset'] } : {}),
  ...(args['to-offset'] !== undefined ? { toOffset: args['to-offset'] } : {}),
  ...(args.since !== undefined ? { since: args.since } : {}),
  ...(args.until !== undefined ? { until: args.until } : {}),
  ...(args.source ? { source: args.source } : {}),
  ...(args.limit ? { limit: args.limit } : {}),
};
try {
  await producer.start();
  const summary = await replayDeadLetters({
    kafka,
    producer,
    dlqTopic: config.TOPIC_EVENTS_DLQ,
    targetTopic: config.TOPIC_EVENTS_RAW,
    filter,
    dryRun: args['dry-run'],
    logger,
    onMatch: (r) => console.log(`${config.TOPIC_EVENTS_DLQ}/${r.partition}/${r.offset} ${r.code} ${r.value?.length ?? 0} bytes`),
  });
  console.log(
    JSON.stringify({ dryRun: args['dry-run'], dlqTopic: config.TOPIC_EVENTS_DLQ, targetTopic: config.TOPIC_EVENTS_RAW, ...summary }),
  );
} finally {
  await producer.close();
  await flushLogger(logger);
}
