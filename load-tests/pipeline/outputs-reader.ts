import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { createAvroDecoder, createKafkaClient, type KafkaConsumer } from '@tidewater/kafka';
import { loadSchema, type Prediction } from '@tidewater/schemas';
import { deadLetterIds } from './dead-letter-ids.js';

/** The times one event's first prediction carried, and when this reader received it (epoch ms). */
export interface Scored {
  readonly receivedAt: number;
  readonly ingestedAt: number;
  readonly featureAt: number;
  readonly predictedAt: number;
}

/** What the reader saw of this run's events, by event id. */
export interface RunOutputs {
  readonly scored: Map<string, Scored>;
  /** Event ids dead-lettered, with when they were read. */
  readonly deadLettered: Map<string, number>;
  /** Predictions for an event already scored (at-least-once redelivery). */
  duplicates: number;
  /** Dead letters of other runs, or with no event id (not an event, unreadable): JSON and Avro letters are read. */
  unattributedDeadLetters: number;
}

/**
 * Reads `predictions` and `events.dlq` from their current end, as a downstream consumer would, and
 * keeps the events whose id starts with `idPrefix`. Predictions are decoded with the registry.
 */
export function readRunOutputs(opts: {
  brokers: readonly string[];
  registryUrl: string;
  idPrefix: string;
  topics: { predictions: string; dlq: string };
}) {
  const registry = new SchemaRegistryClient({ baseURLs: [opts.registryUrl] });
  const decoder = createAvroDecoder<Prediction>({ registry, readerSchema: loadSchema('prediction') });
  const letters = deadLetterIds(registry);
  const kafka = createKafkaClient({ brokers: opts.brokers, clientId: 'tidewater-load-reader' });
  const out: RunOutputs = { scored: new Map(), deadLettered: new Map(), duplicates: 0, unattributedDeadLetters: 0 };
  let consumer: KafkaConsumer | undefined;

  function onDeadLetter(value: Buffer | null, at: number): void {
    const id = letters.eventId(value);
    if (id?.startsWith(opts.idPrefix)) out.deadLettered.set(id, at);
    else out.unattributedDeadLetters++;
  }

  return {
    outputs: out,
    /** Resolves once the reader has its partitions, so nothing produced afterwards is missed. */
    async start(): Promise<void> {
      consumer = kafka.consumer({
        groupId: `tidewater-load-${randomUUID()}`,
        sessionTimeout: 6000,
        rebalanceTimeout: 6000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 50,
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [opts.topics.predictions, opts.topics.dlq], fromBeginning: false });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const at = Date.now();
          if (batch.topic === opts.topics.dlq) {
            await letters.prepare(batch.messages.map((m) => m.value));
            for (const m of batch.messages) onDeadLetter(m.value, at);
            return;
          }
          await decoder.prepare(batch.messages.map((m) => m.value));
          for (const m of batch.messages) {
            if (!m.value) continue;
            const p = decoder.decode(m.value);
            if (!p.event_id.startsWith(opts.idPrefix)) continue;
            if (out.scored.has(p.event_id)) {
              out.duplicates++;
              continue;
            }
            out.scored.set(p.event_id, {
              receivedAt: at,
              ingestedAt: Number(p.ingested_at),
              featureAt: Number(p.feature_time),
              predictedAt: Number(p.predicted_at),
            });
          }
        },
      });
      await consumer.joined();
      // A just-joined consumer reading from the end needs its first offsets before it sees anything.
      await new Promise((r) => setTimeout(r, 1000));
    },
    stop: async (): Promise<void> => {
      await consumer?.disconnect();
    },
  };
}
