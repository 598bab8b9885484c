import { Histogram } from 'prom-client';
import { createConsumerRunner, type ConsumerRunner } from '@tidewater/kafka';
import { avroConsumerCodec, avroTopicWriter, type ServiceRuntime } from '@tidewater/service-runtime';
import type { FeatureVector, Prediction } from '@tidewater/schemas';
import type { InferenceConfig } from './config.js';
import type { LoadedModel } from './model/index.js';

export type InferenceDeps = Pick<ServiceRuntime, 'kafka' | 'logger' | 'metrics' | 'producer' | 'schemaRegistry' | 'deadLetterWriter'> & {
  readonly model: LoadedModel;
  readonly config: Pick<
    InferenceConfig,
    'TOPIC_FEATURES' | 'TOPIC_EVENTS_DLQ' | 'TOPIC_PREDICTIONS' | 'CONSUMER_GROUP' | 'SCHEMA_AUTO_REGISTER'
  >;
  readonly now?: () => number;
};

/**
 * Inference: feature vectors in, one Prediction per vector out, scored a fetched batch at a
 * time with one ONNX session run (batching is where ONNX Runtime's speed is).
 */
export async function createApp(
  deps: InferenceDeps,
): Promise<{ consumer: ConsumerRunner; start(): Promise<void>; close(): Promise<void> }> {
  const { config, model } = deps;
  const now = deps.now ?? Date.now;
  const out = await avroTopicWriter(deps.schemaRegistry, config.TOPIC_PREDICTIONS, 'prediction', config.SCHEMA_AUTO_REGISTER);
  const codec = avroConsumerCodec(deps.schemaRegistry, 'featureVector');
  const width = model.featureNames.length;
  const { name, version } = model.manifest;
  const threshold = model.manifest.outputs.threshold;
  const batchSize = new Histogram({
    name: 'tw_inference_batch_size',
    help: 'Rows per ONNX session run',
    labelNames: ['model', 'version'],
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512],
    registers: [deps.metrics],
  });
  const latency = new Histogram({
    name: 'tw_inference_run_seconds',
    help: 'Duration of one ONNX session run',
    labelNames: ['model', 'version'],
    buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1],
    registers: [deps.metrics],
  });

  const consumer = createConsumerRunner<FeatureVector>({
    kafka: deps.kafka,
    groupId: config.CONSUMER_GROUP,
    topics: [config.TOPIC_FEATURES],
    logger: deps.logger,
    registry: deps.metrics,
    deadLetters: deps.deadLetterWriter(config.TOPIC_EVENTS_DLQ),
    ...codec,
    handle: async (records) => {
      const rows = new Float32Array(records.length * width);
      records.forEach((r, i) => model.toRow(r.value.features, rows, i * width));
      const end = latency.startTimer({ model: name, version });
      const scores = await model.score(rows, records.length);
      end();
      batchSize.observe({ model: name, version }, records.length);
      const predictedAt = now();
      await deps.producer.send(
        out.topic,
        records.map((r, i) => {
          const v = r.value;
          const score = scores[i]!;
          const prediction: Prediction = {
            event_id: v.event_id,
            entity_key: v.entity_key,
            model_name: name,
            model_version: version,
            feature_set_version: v.feature_set_version,
            score,
            label: score >= threshold,
            threshold,
            event_time: v.event_time,
            ingested_at: v.ingested_at,
            feature_time: v.feature_time,
            predicted_at: predictedAt,
            source: { topic: r.topic, partition: r.partition, offset: Number(r.offset) },
          };
          return { key: out.key.encode(v.entity_key), value: out.value.encode(prediction), context: r.context };
        }),
      );
    },
  });
  return { consumer, start: () => consumer.start(), close: () => consumer.close() };
}
