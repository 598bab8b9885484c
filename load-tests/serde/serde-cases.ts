import { AvroDeserializer, AvroSerializer, SerdeType } from '@confluentinc/schemaregistry';
import type { Client } from '@confluentinc/schemaregistry';
import type { LoadedSchema } from '@tidewater/schemas';
// The serde's own entry point: load tests need not pull in the Kafka client to time it.
import { createAvroDecoder, createAvroEncoder } from '@tidewater/kafka';
import type { BenchCase } from './measure.js';

/** What every case encodes or decodes: one realistic record of one schema on one topic. */
export interface Workload<T> {
  readonly topic: string;
  readonly schema: LoadedSchema;
  readonly value: T;
}

// `sink` keeps results observable so the JIT cannot drop the work being timed.
let sink = 0;
export function benchSink(): number {
  return sink;
}

/** Raw avsc: the floor for any serde, with no framing and no registry. */
export function avscCases<T>(w: Workload<T>): BenchCase[] {
  const type = w.schema.type;
  const body = type.toBuffer(w.value);
  return [
    {
      name: 'avsc toBuffer',
      op: 'encode',
      run: (n) => {
        for (let i = 0; i < n; i++) sink += type.toBuffer(w.value).length;
      },
    },
    {
      name: 'avsc fromBuffer',
      op: 'decode',
      run: (n) => {
        for (let i = 0; i < n; i++) sink += type.fromBuffer(body) === undefined ? 0 : 1;
      },
    },
  ];
}

/** Our encoder and decoder; ids are resolved before timing, as a service does at start-up. */
export async function tidewaterCases<T>(w: Workload<T>, registry: Client): Promise<BenchCase[]> {
  const encoder = await createAvroEncoder<T>({ registry, subject: `${w.topic}-value`, schema: w.schema, autoRegister: false });
  const decoder = createAvroDecoder<T>({ registry, readerSchema: w.schema });
  const framed = encoder.encode(w.value);
  await decoder.prepare([framed]);
  return [
    {
      name: 'tidewater encode',
      op: 'encode',
      run: (n) => {
        for (let i = 0; i < n; i++) sink += encoder.encode(w.value).length;
      },
    },
    {
      name: 'tidewater decode',
      op: 'decode',
      run: (n) => {
        for (let i = 0; i < n; i++) sink += decoder.decode(framed) === undefined ? 0 : 1;
      },
    },
  ];
}

/**
 * The official serde as a service would use it: `useLatestVersion` with the schema registered
 * beforehand, each message awaited. `label` tells apart the registries it runs against.
 */
export async function officialCases<T>(w: Workload<T>, registry: Client, label: string): Promise<BenchCase[]> {
  const serializer = new AvroSerializer(registry, SerdeType.VALUE, { useLatestVersion: true });
  const deserializer = new AvroDeserializer(registry, SerdeType.VALUE, {});
  const framed = await serializer.serialize(w.topic, w.value);
  await deserializer.deserialize(w.topic, framed);
  return [
    {
      name: `official serialize${label}`,
      op: 'encode',
      run: async (n) => {
        for (let i = 0; i < n; i++) sink += (await serializer.serialize(w.topic, w.value)).length;
      },
    },
    {
      name: `official deserialize${label}`,
      op: 'decode',
      run: async (n) => {
        for (let i = 0; i < n; i++) sink += (await deserializer.deserialize(w.topic, framed)) === undefined ? 0 : 1;
      },
    },
  ];
}
