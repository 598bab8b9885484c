/**
 * The feature service (`createApp`, as bench:feature runs it) in a process of its own for bench:kafka's
 * client comparison: the Kafka client is @tidewater/kafka's, so KAFKA_CLIENT and client-hooks.ts
 * decide which library it runs on. Reads a backlog of payment events written beforehand with a new
 * group, into its own output topic and Redis prefix (empty window state, as every variant starts).
 * Input: one JSON argument (FeatureChildInput). Output: one JSON line (FeatureChildOutput).
 */
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createApp, featureConfigSchema } from '@tidewater/feature';
import { defaultFeatureSetPath, loadFeatureSet } from '@tidewater/feature-set';
import { createDeadLetterWriter, createKafkaClient, createProducer } from '@tidewater/kafka';
import { createMetricsRegistry } from '@tidewater/ops-server';
import { percentile } from './client-variants.js';
import { peakRssMb } from './fixed-rate.js';
import { meterCpu, type CpuSplit } from './process-cpu.js';

export interface FeatureChildInput {
  readonly brokers: string;
  readonly registryUrl: string;
  readonly redisUrl: string;
  readonly kafkaPids: readonly number[];
  readonly events: string;
  readonly eventsCount: number;
  readonly features: string;
  readonly dlq: string;
  readonly tag: string;
}

export interface FeatureChildOutput {
  readonly eventsPerS: number;
  /**
   * This process's CPU per event, µs, from `app.start()` (group join included) to the end of the
   * batch that completes the backlog. Not from the end of the first batch: a client that hands over
   * several partitions' batches at once would have most of its work before that point.
   */
  readonly cpuUsPerEvent: number;
  readonly kafkaCpuUsPerEvent: number;
  readonly batchP99Ms: number;
  readonly rssPeakMb: number;
  /** Batches the service handled, and events it counted (more than the backlog if some were redelivered). */
  readonly batches: number;
  readonly processed: number;
}

const input = JSON.parse(process.argv[2]!) as FeatureChildInput;
const logger = pino({ level: process.env['BENCH_LOG_LEVEL'] ?? 'silent' });
const kafka = createKafkaClient({ brokers: input.brokers.split(','), clientId: `bench-clients-feature-${input.tag}`, logger });
const producer = createProducer({ kafka, logger });
await producer.start();
const redis = new Redis(input.redisUrl);
const metrics = createMetricsRegistry('feature');
const config = featureConfigSchema.parse({
  KAFKA_BROKERS: input.brokers,
  SCHEMA_REGISTRY_URL: input.registryUrl,
  REDIS_URL: input.redisUrl,
  REDIS_KEY_PREFIX: `tw-bench:clients:${input.tag}:`,
  TOPIC_EVENTS_VALID: input.events,
  TOPIC_FEATURES: input.features,
  TOPIC_EVENTS_DLQ: input.dlq,
  CONSUMER_GROUP: `bench-clients-feature-${input.tag}`,
});
const batches: { events: number; ms: number; end: number }[] = [];
// Started just before app.start(), so only after every module and client is set up.
let meter: { stop(): CpuSplit } = { stop: () => ({ seconds: NaN, shares: {} }) };
let processed = 0;
let done: (cpu: CpuSplit) => void = () => undefined;
const finished = new Promise<CpuSplit>((resolve) => (done = resolve));
const app = await createApp({
  kafka,
  logger,
  metrics,
  producer,
  schemaRegistry: new SchemaRegistryClient({ baseURLs: [input.registryUrl] }),
  deadLetterWriter: (t) => createDeadLetterWriter({ producer, topic: t, service: 'feature', registry: metrics }),
  redis,
  config,
  featureSet: loadFeatureSet(defaultFeatureSetPath),
  onBatch: (events, ms) => {
    const end = performance.now();
    batches.push({ events, ms, end });
    processed += events;
    if (processed >= input.eventsCount) done(meter.stop());
  },
});
meter = meterCpu({ service: 'self', kafka: input.kafkaPids });
await app.start();
let timer: NodeJS.Timeout | undefined;
const cpu = await Promise.race([
  finished,
  new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(() => reject(new Error(`feature service: ${processed} of ${input.eventsCount} events after 300 s`)), 300_000)),
  ),
]).finally(() => clearTimeout(timer));
const first = batches[0]!;
const last = batches.at(-1)!;
const seconds = (last.end - (first.end - first.ms)) / 1000;
await app.close();
await producer.close();
await redis.quit();
console.log(
  JSON.stringify({
    eventsPerS: processed / seconds,
    cpuUsPerEvent: (cpu.shares['service']! * cpu.seconds * 1e6) / processed,
    kafkaCpuUsPerEvent: (cpu.shares['kafka']! * cpu.seconds * 1e6) / processed,
    batchP99Ms: percentile(
      batches.map((b) => b.ms),
      99,
    ),
    rssPeakMb: peakRssMb(),
    batches: batches.length,
    processed,
  } satisfies FeatureChildOutput),
);
process.exit(0);
