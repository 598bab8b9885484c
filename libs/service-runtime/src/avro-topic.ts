import type { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { createAvroDecoder, createAvroEncoder, type AvroDecoder, type AvroEncoder, type KafkaRecord } from '@tidewater/kafka';
import { loadSchema, type SchemaName, type SchemaTypes } from '@tidewater/schemas';

/** Encoders for a topic's Avro key (the entity key) and value, resolved once at start. */
export interface AvroTopicWriter<V> {
  readonly topic: string;
  readonly key: AvroEncoder<string>;
  readonly value: AvroEncoder<V>;
}

/** Resolves the subjects `<topic>-key` and `<topic>-value` (TopicNameStrategy, as Confluent clients do). */
export async function avroTopicWriter<N extends SchemaName>(
  registry: SchemaRegistryClient,
  topic: string,
  schema: N,
  autoRegister: boolean,
): Promise<AvroTopicWriter<SchemaTypes[N]>> {
  const [key, value] = await Promise.all([
    createAvroEncoder<string>({ registry, subject: `${topic}-key`, schema: loadSchema('entityKey'), autoRegister }),
    createAvroEncoder<SchemaTypes[N]>({ registry, subject: `${topic}-value`, schema: loadSchema(schema), autoRegister }),
  ]);
  return { topic, key, value };
}

/** A decoder reading any registered writer schema into the repository's reader schema. */
export function avroReader<N extends SchemaName>(registry: SchemaRegistryClient, schema: N): AvroDecoder<SchemaTypes[N]> {
  return createAvroDecoder<SchemaTypes[N]>({ registry, readerSchema: loadSchema(schema) });
}

const empty = Buffer.alloc(0);

/**
 * The `prepare` and `decode` a consumer runner needs for an Avro topic: writer schemas are
 * fetched once per batch, then each record decodes synchronously from the cache.
 */
export function avroConsumerCodec<N extends SchemaName>(registry: SchemaRegistryClient, schema: N) {
  const reader = avroReader(registry, schema);
  return {
    prepare: (messages: readonly KafkaRecord[]) => reader.prepare(messages.map((m) => m.value)),
    decode: (message: KafkaRecord): SchemaTypes[N] => reader.decode(message.value ?? empty),
  };
}
