import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDeadLetterWriter,
  createKafkaClient,
  createProducer,
  headerText,
  type KafkaClient,
  type KafkaHeaders,
  type TidewaterProducer,
} from '@tidewater/kafka';
import { createMetricsRegistry } from '@tidewater/ops-server';
import { avroReader, avroTopicWriter } from '@tidewater/service-runtime';
import { repoRoot, type Prediction } from '@tidewater/schemas';
import { createTopics, stackEndpoints, uniqueName } from '@tidewater/test-support';
import { createApp, type InferenceApp } from './app.js';
import { inferenceConfigSchema } from './config.js';
import { loadOnnxModel, type LoadedModel } from './model/index.js';
import { createSingleModelRouter } from './stream/single-model-router.js';
import { sampleFeatureVectors } from '../test/sample-feature-vectors.js';

// Issue 20, part 1, on Kafka: a model output that is not a score is never published. The record goes
// to the dead-letter topic with TW_MODEL_INVALID_SCORE; its neighbours in the batch are published.
const logger = pino({ level: 'silent' });

describe('inference with a model that answers NaN', () => {
  let kafka: KafkaClient;
  let producer: TidewaterProducer;
  let registry: SchemaRegistryClient;
  let model: LoadedModel;
  let app: InferenceApp | undefined;

  beforeAll(async () => {
    const { brokers, registryUrl } = stackEndpoints();
    kafka = createKafkaClient({ brokers, clientId: 'inference-nan', logger });
    producer = createProducer({ kafka, logger });
    await producer.start();
    registry = new SchemaRegistryClient({ baseURLs: [registryUrl] });
    model = await loadOnnxModel(`${repoRoot}models/fraud-demo/1`);
  });

  afterAll(async () => {
    await app?.close();
    await producer.close();
    await model.close();
  });

  it('dead-letters the record with TW_MODEL_INVALID_SCORE and publishes the others', async () => {
    const topics = {
      features: uniqueName('features'),
      predictions: uniqueName('pred'),
      shadow: uniqueName('shadow'),
      dlq: uniqueName('dlq'),
    };
    await createTopics([
      { name: topics.features, partitions: 3 },
      { name: topics.predictions, partitions: 3 },
      { name: topics.shadow, partitions: 3 },
      { name: topics.dlq, partitions: 1 },
    ]);
    const vectors = sampleFeatureVectors(60, { prefix: uniqueName('nan') });
    const marker = 4242.5;
    vectors[17] = { ...vectors[17]!, features: { ...vectors[17]!.features, amount: marker } };
    const writer = await avroTopicWriter(registry, topics.features, 'featureVector', true);
    await producer.send(
      topics.features,
      vectors.map((v) => ({ key: writer.key.encode(v.entity_key), value: writer.value.encode(v) })),
    );

    const { brokers, registryUrl } = stackEndpoints();
    const config = inferenceConfigSchema.parse({
      KAFKA_BROKERS: brokers.join(','),
      SCHEMA_REGISTRY_URL: registryUrl,
      TOPIC_FEATURES: topics.features,
      TOPIC_PREDICTIONS: topics.predictions,
      TOPIC_PREDICTIONS_SHADOW: topics.shadow,
      TOPIC_EVENTS_DLQ: topics.dlq,
      CONSUMER_GROUP: uniqueName('inference'),
    });
    const metrics = createMetricsRegistry('inference');
    const width = model.featureNames.length;
    app = await createApp({
      kafka: createKafkaClient({ brokers, clientId: 'inference-nan-app', logger }),
      logger,
      metrics,
      producer,
      schemaRegistry: registry,
      deadLetterWriter: (topic) => createDeadLetterWriter({ producer, topic, service: 'inference', registry: metrics }),
      router: createSingleModelRouter(model),
      modelName: model.manifest.name,
      config,
      // The real model, answering NaN for the marked row: what a model fed values it never saw can do.
      scorer: async (m, rows, n) => {
        const scores = await m.score(rows, n);
        for (let i = 0; i < n; i++) if (rows[i * width] === marker) scores[i] = Number.NaN;
        return scores;
      },
    });
    await app.start();

    const seen = { predictions: [] as Buffer[], letters: [] as { value: Buffer; headers: KafkaHeaders }[] };
    const consumer = kafka.consumer({ groupId: uniqueName('reader'), maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [topics.predictions, topics.dlq], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, message }) => {
        if (topic === topics.dlq) seen.letters.push({ value: message.value!, headers: message.headers ?? {} });
        else seen.predictions.push(message.value!);
      },
    });
    const deadline = Date.now() + 45_000;
    while (seen.predictions.length + seen.letters.length < vectors.length && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    await consumer.disconnect();

    const reader = avroReader(registry, 'prediction');
    await reader.prepare(seen.predictions);
    const predictions = seen.predictions.map((b) => reader.decode(b) as Prediction);
    expect(predictions.map((p) => p.event_id).sort()).toEqual(
      vectors
        .filter((_v, i) => i !== 17)
        .map((v) => v.event_id)
        .sort(),
    );
    expect(predictions.every((p) => Number.isFinite(p.score) && p.score >= 0 && p.score <= 1)).toBe(true);
    expect(seen.letters).toHaveLength(1);
    const [letter] = seen.letters;
    expect(headerText(letter!.headers, 'tw.error.code')).toBe('TW_MODEL_INVALID_SCORE');
    expect(headerText(letter!.headers, 'tw.source.topic')).toBe(topics.features);
    expect(await metrics.metrics()).toMatch(/tw_inference_invalid_scores_total\{[^}]*destination="predictions"[^}]*\} 1/);
  }, 90_000);
});
