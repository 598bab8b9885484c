/**
 * One more feature-service instance for `BENCH_INSTANCES=N npm run bench:feature`: `createApp` in
 * a worker thread with its own Kafka, schema-registry and Redis clients, in the same consumer
 * group as the others (the scale-out a deployment would use). Reports every batch to the bench.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createApp, type FeatureDeps } from '@tidewater/feature';
import { defaultFeatureSetPath, loadFeatureSet } from '@tidewater/feature-set';
import { createDeadLetterWriter, createKafkaClient, createProducer } from '@tidewater/kafka';
import { createMetricsRegistry } from '@tidewater/ops-server';
import { featureFetchMaxBytes, fetchCap } from './fetch-cap.js';

/** What the bench passes to each worker. */
export interface BenchWorkerInput {
  readonly index: number;
  readonly brokers: readonly string[];
  readonly registryUrl: string;
  readonly redisUrl: string;
  readonly config: FeatureDeps['config'];
}

/** A batch, with its end on the wall clock shared by all threads (timeOrigin + now). */
export type BenchWorkerMessage =
  { kind: 'assigned' } | { kind: 'batch'; events: number; ms: number; endEpochMs: number } | { kind: 'closed' };

const input = workerData as BenchWorkerInput;
const port = parentPort!;
const post = (m: BenchWorkerMessage) => port.postMessage(m);
const logger = pino({ level: 'silent' });
// The bench's fetch cap (fetch-cap.ts), as for the instance in the main thread.
const kafka = createKafkaClient({
  brokers: [...input.brokers],
  clientId: `bench-feature-${input.index}`,
  logger,
  ...fetchCap(featureFetchMaxBytes),
});
const producer = createProducer({ kafka, logger });
await producer.start();
const redis = new Redis(input.redisUrl);
const metrics = createMetricsRegistry('feature');
const app = await createApp({
  kafka,
  logger,
  metrics,
  producer,
  schemaRegistry: new SchemaRegistryClient({ baseURLs: [input.registryUrl] }),
  deadLetterWriter: (t) => createDeadLetterWriter({ producer, topic: t, service: 'feature', registry: metrics }),
  redis,
  config: input.config,
  featureSet: loadFeatureSet(defaultFeatureSetPath),
  onBatch: (events, ms) => post({ kind: 'batch', events, ms, endEpochMs: performance.timeOrigin + performance.now() }),
});
port.on('message', (m: unknown) => {
  if (m !== 'close') return;
  void (async () => {
    await app.close();
    await producer.close();
    await redis.quit();
    post({ kind: 'closed' });
  })();
});
await app.start();
await app.consumer.assigned();
post({ kind: 'assigned' });
