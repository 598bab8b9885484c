import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  connectTransactionalProducer,
  createDeadLetterWriter,
  createKafkaClient,
  createProducer,
  headerText,
  type KafkaClient,
  type TidewaterProducer,
} from '@tidewater/kafka';
import { createMetricsRegistry } from '@tidewater/ops-server';
import { avroReader, avroTopicWriter } from '@tidewater/service-runtime';
import { repoRoot, type Prediction } from '@tidewater/schemas';
import { createTopics, stackEndpoints, uniqueName, waitFor } from '@tidewater/test-support';
import { createApp, type InferenceApp, type InferenceDeps } from './app.js';
import { inferenceConfigSchema } from './config.js';
import { loadOnnxModel, type LoadedModel } from './model/index.js';
import type { ModelRouter } from './model-routing.js';
import { createScoringPool } from './scoring-pool/scoring-pool.js';
import { createSingleModelRouter } from './stream/single-model-router.js';
import { sampleFeatureVectors } from '../test/sample-feature-vectors.js';

const logger = pino({ level: 'silent' });
const modelDir = `${repoRoot}models/fraud-demo/1`;
const upstreamTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';

interface Topics {
  features: string;
  predictions: string;
  shadow: string;
  dlq: string;
}

async function freshTopics(): Promise<Topics> {
  const t = { features: uniqueName('features'), predictions: uniqueName('pred'), shadow: uniqueName('shadow'), dlq: uniqueName('dlq') };
  await createTopics([
    { name: t.features, partitions: 6 },
    { name: t.predictions, partitions: 6 },
    { name: t.shadow, partitions: 6 },
    { name: t.dlq, partitions: 1 },
  ]);
  return t;
}

const SENTINEL_HEADER = 'tw.test.sentinel';

/**
 * Reads a topic until `expected` records arrived, then writes sentinel records after them on every
 * partition and reads on until each partition's sentinel: a duplicate or a stray record written
 * before that point is in the result too, without a fixed wait. Sentinels are not returned.
 */
async function readAll(
  kafka: KafkaClient,
  topic: string,
  expected: number,
  opts: { timeoutMs?: number } = {},
): Promise<{ value: Buffer; partition: number; headers: Record<string, unknown> }[]> {
  const marker = uniqueName('sentinel');
  const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
  const seen: { value: Buffer; partition: number; headers: Record<string, unknown> }[] = [];
  const sentinelsSeen = new Set<number>();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message, partition }) => {
      if (headerText(message.headers, SENTINEL_HEADER) === marker) sentinelsSeen.add(partition);
      else seen.push({ value: message.value!, partition, headers: message.headers ?? {} });
    },
  });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  await waitFor(() => seen.length >= expected, { timeoutMs, what: () => `${expected} records on ${topic} (${seen.length} so far)` });

  const admin = kafka.admin();
  await admin.connect();
  const partitions = (await admin.fetchTopicOffsets(topic)).map((p) => p.partition);
  await admin.disconnect();
  // Keys pick partitions; send batches of distinct keys until every partition has a sentinel.
  const sentinels = createProducer({ kafka, logger });
  await sentinels.start();
  const written = new Set<number>();
  for (let batch = 0; written.size < partitions.length; batch++) {
    if (batch === 20) throw new Error(`sentinels reached only partitions ${[...written].join(',')} of ${topic}`);
    const records = Array.from({ length: 16 }, (_, i) => ({
      key: `${marker}-${batch}-${i}`,
      value: null,
      headers: { [SENTINEL_HEADER]: marker },
    }));
    for (const ack of await sentinels.send(topic, records)) written.add(ack.partition);
  }
  await sentinels.close();
  await waitFor(() => sentinelsSeen.size === partitions.length, {
    timeoutMs,
    what: () => `sentinels on all ${partitions.length} partitions of ${topic}`,
  });
  await consumer.disconnect();
  return seen;
}

describe('inference stream path', () => {
  let kafka: KafkaClient;
  let producer: TidewaterProducer;
  let registry: SchemaRegistryClient;
  let model: LoadedModel;
  const apps: InferenceApp[] = [];

  beforeAll(async () => {
    const { brokers, registryUrl } = stackEndpoints();
    kafka = createKafkaClient({ brokers, clientId: 'inference-int', logger });
    producer = createProducer({ kafka, logger });
    await producer.start();
    registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
    model = await loadOnnxModel(modelDir);
  });

  afterAll(async () => {
    for (const a of apps) await a.close();
    await producer.close();
    await model.close();
  });

  async function startApp(topics: Topics, extra: Partial<InferenceDeps> & { env?: Record<string, string> } = {}) {
    const { brokers, registryUrl } = stackEndpoints();
    const config = inferenceConfigSchema.parse({
      KAFKA_BROKERS: brokers.join(','),
      SCHEMA_REGISTRY_URL: registryUrl,
      TOPIC_FEATURES: topics.features,
      TOPIC_PREDICTIONS: topics.predictions,
      TOPIC_PREDICTIONS_SHADOW: topics.shadow,
      TOPIC_EVENTS_DLQ: topics.dlq,
      CONSUMER_GROUP: uniqueName('inference'),
      ...extra.env,
    });
    const metrics = createMetricsRegistry('inference');
    const app = await createApp({
      kafka,
      logger,
      metrics,
      producer,
      schemaRegistry: registry,
      deadLetterWriter: (topic) => createDeadLetterWriter({ producer, topic, service: 'inference', registry: metrics }),
      router: createSingleModelRouter(model),
      modelName: model.manifest.name,
      config,
      ...extra,
    });
    apps.push(app);
    await app.start();
    return { app, metrics, config };
  }

  async function produceVectors(topic: string, count: number, prefix: string) {
    const writer = await avroTopicWriter(registry, topic, 'featureVector', true);
    const vectors = sampleFeatureVectors(count, { prefix });
    for (let i = 0; i < vectors.length; i += 500) {
      await producer.send(
        topic,
        vectors.slice(i, i + 500).map((v) => ({
          key: writer.key.encode(v.entity_key),
          value: writer.value.encode(v),
          headers: { traceparent: `00-${upstreamTraceId}-00f067aa0ba902b7-01` },
        })),
      );
    }
    return vectors;
  }

  it('scores rows of several partitions together, one prediction per event in per-partition input order, commits after', async () => {
    const topics = await freshTopics();
    const vectors = await produceVectors(topics.features, 3000, 'order');
    const { app, metrics, config } = await startApp(topics, { env: { MAX_BATCH_SIZE: '128', MAX_BATCH_DELAY_MS: '5' } });
    const reader = avroReader(registry, 'prediction');
    const records = await readAll(kafka, topics.predictions, vectors.length);
    await reader.prepare(records.map((r) => r.value));
    const predictions = records.map((r) => ({ ...r, p: reader.decode(r.value) as Prediction }));

    expect(predictions.length).toBe(vectors.length);
    expect(new Set(predictions.map((p) => p.p.event_id)).size).toBe(vectors.length);
    // Per input partition, predictions come out in input offset order.
    const lastOffset = new Map<number, number>();
    for (const { p } of predictions) {
      expect(p.source.topic).toBe(topics.features);
      expect(p.source.offset).toBeGreaterThan(lastOffset.get(p.source.partition) ?? -1);
      lastOffset.set(p.source.partition, p.source.offset);
    }
    // Same score as scoring the row alone on the model.
    const byId = new Map(vectors.map((v) => [v.event_id, v]));
    const sample = predictions.slice(0, 50);
    const rows = new Float32Array(sample.length * model.featureNames.length);
    sample.forEach((s, i) => model.toRow(byId.get(s.p.event_id)!.features, rows, i * model.featureNames.length));
    const direct = await model.score(rows, sample.length);
    sample.forEach((s, i) => expect(s.p.score).toBeCloseTo(direct[i]!, 6));
    expect(sample[0]!.p.model_name).toBe(model.manifest.name);
    expect(sample[0]!.p.model_version).toBe(model.manifest.version);
    // The feature vector's W3C trace context continues in the prediction's headers.
    for (const r of records) expect(String(r.headers['traceparent'])).toMatch(new RegExp(`^00-${upstreamTraceId}-[0-9a-f]{16}-01$`));

    // Runs held more rows than one partition batch would alone and never more than MAX_BATCH_SIZE.
    const text = await metrics.metrics();
    const count = Number(/tw_inference_batch_size_count\{[^}]*model="fraud-demo"[^}]*\} (\d+)/.exec(text)?.[1]);
    const sum = Number(/tw_inference_batch_size_sum\{[^}]*model="fraud-demo"[^}]*\} (\d+)/.exec(text)?.[1]);
    expect(sum).toBe(vectors.length);
    expect(count).toBeGreaterThanOrEqual(Math.ceil(vectors.length / 128));
    expect(text).toMatch(/tw_inference_batch_size_bucket\{le="64"[^}]*\} \d+/);
    expect(text).toMatch(/tw_inference_predictions_total\{model="fraud-demo",version="1",destination="predictions"[^}]*\} 3000/);
    // Every served prediction's end-to-end latency is observed once, by model.
    expect(text).toMatch(/tw_pipeline_latency_seconds_count\{[^}]*model="fraud-demo"[^}]*\} 3000/);
    // The consumer runner's lag probe reports this group's partitions.
    expect(text).toMatch(/tw_kafka_consumer_lag\{[^}]*group="[^"]+",topic="[^"]+",partition="\d"/);

    // Offsets are committed: the group is at the end of every partition.
    await app.close();
    const admin = kafka.admin();
    await admin.connect();
    const committed = await admin.fetchOffsets({ groupId: config.CONSUMER_GROUP, topics: [topics.features] });
    const ends = await admin.fetchTopicOffsets(topics.features);
    await admin.disconnect();
    const committedTotal = committed[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0);
    expect(committedTotal).toBe(ends.reduce((s, p) => s + Number(p.high), 0));
  });

  it('pauses partitions when in-flight records exceed the bound, resumes, and loses nothing', async () => {
    const topics = await freshTopics();
    const vectors = await produceVectors(topics.features, 4000, 'bp');
    const { metrics } = await startApp(topics, { env: { MAX_IN_FLIGHT: '100' } });
    const records = await readAll(kafka, topics.predictions, vectors.length);
    const reader = avroReader(registry, 'prediction');
    await reader.prepare(records.map((r) => r.value));
    const ids = new Set(records.map((r) => (reader.decode(r.value) as Prediction).event_id));
    expect(ids.size).toBe(vectors.length);
    const text = await metrics.metrics();
    expect(Number(/tw_inference_backpressure_pauses_total\{[^}]*\} (\d+)/.exec(text)?.[1])).toBeGreaterThan(0);
    expect(text).toMatch(/tw_inference_paused_partitions\{[^}]*\} 0/);
    expect(text).toMatch(/tw_inference_in_flight\{[^}]*\} 0/);
  });

  it('sends shadow versions to the shadow topic only', async () => {
    const topics = await freshTopics();
    const shadowModel = await loadOnnxModel(modelDir);
    const router: ModelRouter = {
      acquire: () => ({ serving: model, shadows: [shadowModel], release: () => undefined }),
      acquireVersion: () => undefined,
    };
    try {
      const vectors = await produceVectors(topics.features, 600, 'shadow');
      await startApp(topics, { router });
      const [served, shadowed] = await Promise.all([
        readAll(kafka, topics.predictions, vectors.length),
        readAll(kafka, topics.shadow, vectors.length),
      ]);
      expect(served.length).toBe(vectors.length);
      expect(shadowed.length).toBe(vectors.length);
    } finally {
      for (const a of apps.splice(0)) await a.close();
      await shadowModel.close();
    }
  });

  it('scores on worker threads with the same results as the main thread', async () => {
    const topics = await freshTopics();
    const pool = createScoringPool({ size: 2, modelDir: () => modelDir, logger });
    try {
      const vectors = await produceVectors(topics.features, 2000, 'pool');
      await startApp(topics, { scorer: pool.score, maxConcurrentRuns: pool.size });
      const records = await readAll(kafka, topics.predictions, vectors.length);
      const reader = avroReader(registry, 'prediction');
      await reader.prepare(records.map((r) => r.value));
      const predictions = records.map((r) => reader.decode(r.value) as Prediction);
      expect(new Set(predictions.map((p) => p.event_id)).size).toBe(vectors.length);
      const byId = new Map(vectors.map((v) => [v.event_id, v]));
      const width = model.featureNames.length;
      const rows = new Float32Array(100 * width);
      predictions.slice(0, 100).forEach((p, i) => model.toRow(byId.get(p.event_id)!.features, rows, i * width));
      const direct = await model.score(rows, 100);
      predictions.slice(0, 100).forEach((p, i) => expect(p.score).toBeCloseTo(direct[i]!, 6));
    } finally {
      for (const a of apps.splice(0)) await a.close();
      await pool.close();
    }
  });

  it('dead-letters a record that is not a feature vector and scores its neighbours', async () => {
    const topics = await freshTopics();
    const vectors = await produceVectors(topics.features, 100, 'poison');
    await producer.send(topics.features, [{ key: 'card-1', value: Buffer.from('not avro') }]);
    await startApp(topics);
    const [served, letters] = await Promise.all([readAll(kafka, topics.predictions, vectors.length), readAll(kafka, topics.dlq, 1)]);
    expect(served.length).toBe(vectors.length);
    expect(letters.length).toBe(1);
    expect(String(letters[0]!.headers['tw.error.code'])).toMatch(/^TW_SERDE_/);
  });

  it('exactly-once mode: predictions and offsets go out in transactions', async () => {
    const topics = await freshTopics();
    const txProducer = await connectTransactionalProducer({ kafka, transactionalId: uniqueName('tx') });
    try {
      const vectors = await produceVectors(topics.features, 1500, 'eos');
      const { metrics } = await startApp(topics, { transactionalProducer: txProducer, env: { EXACTLY_ONCE: 'true' } });
      const records = await readAll(kafka, topics.predictions, vectors.length);
      const reader = avroReader(registry, 'prediction');
      await reader.prepare(records.map((r) => r.value));
      expect(new Set(records.map((r) => (reader.decode(r.value) as Prediction).event_id)).size).toBe(vectors.length);
      expect(records.length).toBe(vectors.length);
      expect(await metrics.metrics()).not.toMatch(/TW_INFER_TRANSACTION_FAILED/);
    } finally {
      for (const a of apps.splice(0)) await a.close();
      await txProducer.close();
    }
  });
});
