/**
 * The chaos run's accounting (issue 23): reads `predictions`, `events.dlq`, `alerts` and
 * `alerts.dlq` from their beginning, as an independent downstream consumer, never trusting the
 * services' own counters. Records are keyed by partition and offset, so a re-read after this
 * reader's own rebalance (brokers restart under it) is not taken for a duplicate.
 */
import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import { createAvroDecoder, createKafkaClient, type KafkaConsumer } from '@tidewater/kafka';
import { loadSchema, type Alert, type Prediction } from '@tidewater/schemas';
import { deadLetterIds } from '../pipeline/dead-letter-ids.js';

export const AUDIT_TOPICS = { predictions: 'predictions', dlq: 'events.dlq', alerts: 'alerts', alertsDlq: 'alerts.dlq' } as const;

/** What the topics held for this run. */
export interface Audit {
  /** Event id to its first prediction's `predicted_at` (epoch ms). */
  readonly predicted: Map<string, number>;
  /** Predictions at another offset for an event id already predicted. */
  duplicates: number;
  /** Each duplicate's own `predicted_at` (epoch ms), to tell which fault made it. */
  readonly duplicateAt: number[];
  readonly deadLettered: Set<string>;
  /** Fingerprint to alertname, for alerts that fired. */
  readonly alertsFired: Map<string, string>;
  /** The parked notifications' JSON (alerts.dlq), to find an alert in. */
  readonly parked: string[];
  /** Records read, all topics: a reader that stops growing has caught up. */
  records: number;
}

export function startTopicAudit(opts: { brokers: readonly string[]; registryUrl: string; idPrefix: string }) {
  const registry = new SchemaRegistryClient({ baseURLs: [opts.registryUrl] });
  const predictions = createAvroDecoder<Prediction>({ registry, readerSchema: loadSchema('prediction') });
  const alerts = createAvroDecoder<Alert>({ registry, readerSchema: loadSchema('alert') });
  const letters = deadLetterIds(registry);
  const kafka = createKafkaClient({ brokers: opts.brokers, clientId: 'tidewater-chaos-audit' });
  const audit: Audit = {
    predicted: new Map(),
    duplicates: 0,
    duplicateAt: [],
    deadLettered: new Set(),
    alertsFired: new Map(),
    parked: [],
    records: 0,
  };
  const seen = new Set<string>();
  let consumer: KafkaConsumer | undefined;

  return {
    audit,
    async start(): Promise<void> {
      consumer = kafka.consumer({ groupId: `tidewater-chaos-audit-${randomUUID()}`, maxWaitTimeInMs: 100, sessionTimeout: 10_000 });
      await consumer.connect();
      await consumer.subscribe({ topics: Object.values(AUDIT_TOPICS), fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          const fresh = batch.messages.filter((m) => {
            const key = `${batch.topic}:${batch.partition}:${m.offset}`;
            if (seen.has(key)) return false;
            seen.add(key);
            return true;
          });
          audit.records += fresh.length;
          if (batch.topic === AUDIT_TOPICS.predictions) {
            await predictions.prepare(fresh.map((m) => m.value));
            for (const m of fresh) {
              if (!m.value) continue;
              const p = predictions.decode(m.value);
              if (!p.event_id.startsWith(opts.idPrefix)) continue;
              if (audit.predicted.has(p.event_id)) {
                audit.duplicates++;
                audit.duplicateAt.push(Number(p.predicted_at));
              } else audit.predicted.set(p.event_id, Number(p.predicted_at));
            }
          } else if (batch.topic === AUDIT_TOPICS.dlq) {
            // Ingestion's JSON letters and feature's and inference's Avro ones alike.
            await letters.prepare(fresh.map((m) => m.value));
            for (const m of fresh) {
              const id = letters.eventId(m.value);
              if (id?.startsWith(opts.idPrefix)) audit.deadLettered.add(id);
            }
          } else if (batch.topic === AUDIT_TOPICS.alerts) {
            await alerts.prepare(fresh.map((m) => m.value));
            for (const m of fresh) {
              if (!m.value) continue;
              const a = alerts.decode(m.value);
              if (a.status === 'firing') audit.alertsFired.set(a.fingerprint, a.labels['alertname'] ?? a.fingerprint);
            }
          } else {
            for (const m of fresh) audit.parked.push(m.value?.toString('utf8') ?? '');
          }
        },
      });
      await consumer.joined();
    },
    stop: async (): Promise<void> => {
      await consumer?.disconnect();
    },
  };
}
