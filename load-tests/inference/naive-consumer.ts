import type { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import type { Kafka } from 'kafkajs';
import { avroReader, avroTopicWriter } from '@tidewater/service-runtime';
import type { Prediction } from '@tidewater/schemas';
import type { LoadedModel } from '@tidewater/inference';

/**
 * What most users would write: eachMessage, one session.run per message, one awaited produce
 * per prediction. Same decoder, encoder and model as the worker, so the difference is the
 * batching and pipelining, not the serde.
 */
export async function runNaiveConsumer(opts: {
  kafka: Kafka;
  registry: SchemaRegistryClient;
  model: LoadedModel;
  input: string;
  output: string;
  groupId: string;
}): Promise<{ stop(): Promise<void> }> {
  const reader = avroReader(opts.registry, 'featureVector');
  const out = await avroTopicWriter(opts.registry, opts.output, 'prediction', true);
  const producer = opts.kafka.producer();
  await producer.connect();
  const consumer = opts.kafka.consumer({ groupId: opts.groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topic: opts.input, fromBeginning: true });
  const width = opts.model.featureNames.length;
  const { name, version } = opts.model.manifest;
  const { threshold } = opts.model.manifest.outputs;
  await consumer.run({
    eachMessage: async ({ message, partition, topic }) => {
      await reader.prepare([message.value]);
      const v = reader.decode(message.value!);
      const row = new Float32Array(width);
      opts.model.toRow(v.features, row, 0);
      const [score = 0] = await opts.model.score(row, 1);
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
        predicted_at: Date.now(),
        source: { topic, partition, offset: Number(message.offset) },
      };
      await producer.send({ topic: opts.output, messages: [{ key: out.key.encode(v.entity_key), value: out.value.encode(prediction) }] });
    },
  });
  return {
    async stop() {
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
