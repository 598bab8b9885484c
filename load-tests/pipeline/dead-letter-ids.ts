import { createAvroDecoder, isConfluentWireFormat, type SchemaRegistry } from '@tidewater/kafka';
import { loadSchema, type SchemaName } from '@tidewater/schemas';

/**
 * The inputs a service dead-letters on `events.dlq` that carry an event id: ingestion's raw JSON
 * events; feature's `events.valid` records (payment events) and inference's `features` records
 * (feature vectors, e.g. TW_MODEL_INVALID_SCORE), both Avro in the registry's wire format, the
 * original bytes kept (libs/kafka/src/dead-letter.ts); and predictions, should a reader of them
 * dead-letter one. No header carries the event id, so Avro letters are decoded.
 */
const AVRO_INPUTS: readonly SchemaName[] = ['paymentEvent', 'featureVector', 'prediction'];

export interface DeadLetterIds {
  /** Fetches the writer schemas of the Avro letters among `values`; call before `eventId`. */
  prepare(values: Iterable<Buffer | null | undefined>): Promise<void>;
  /** The event id a dead letter is about, or undefined when it has none (not an event, unreadable). */
  eventId(value: Buffer | null | undefined): string | undefined;
}

/** Reads event ids out of dead letters, JSON or Avro (decoded through `registry`). */
export function deadLetterIds(registry: SchemaRegistry): DeadLetterIds {
  // One decoder per input schema: a writer schema resolves only against the reader schema of its
  // own record, so a letter is read by the first decoder that accepts its schema id.
  const decoders = AVRO_INPUTS.map((name) => createAvroDecoder<{ event_id?: unknown }>({ registry, readerSchema: loadSchema(name) }));
  return {
    async prepare(values) {
      const avro = [...values].filter((v): v is Buffer => !!v && isConfluentWireFormat(v));
      if (avro.length > 0) await Promise.all(decoders.map((d) => d.prepare(avro)));
    },
    eventId(value) {
      if (!value || value.length === 0) return undefined;
      if (isConfluentWireFormat(value)) {
        for (const d of decoders) {
          try {
            const id = d.decode(value).event_id;
            return typeof id === 'string' ? id : undefined;
          } catch {
            // Another record's schema, or unreadable: the next decoder, else no id.
          }
        }
        return undefined;
      }
      try {
        const id = (JSON.parse(value.toString('utf8')) as { event_id?: unknown } | null)?.event_id;
        return typeof id === 'string' ? id : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
