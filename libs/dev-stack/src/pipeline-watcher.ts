import { randomUUID } from 'node:crypto';
import { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import {
  createAvroDecoder,
  createKafkaClient,
  deadLetterHeaders,
  headerText,
  type KafkaConsumer,
  type KafkaHeaders,
} from '@tidewater/kafka';
import { loadSchema, type Alert, type DriftReport, type Prediction } from '@tidewater/schemas';

export interface DeadLetterSeen {
  readonly code: string;
  readonly value: Buffer | null;
  readonly headers: KafkaHeaders;
}

export interface PipelineTopics {
  readonly predictions: string;
  readonly dlq: string;
  readonly reports: string;
  readonly alerts: string;
}

/** What came out of the pipeline, collected from the output topics. */
export interface PipelineOutputs {
  readonly predictions: Prediction[];
  /** Traceparent header and place of each prediction, in the same order. */
  readonly predictionTraceparents: (string | undefined)[];
  readonly predictionOffsets: { partition: number; offset: string }[];
  readonly deadLetters: DeadLetterSeen[];
  readonly reports: DriftReport[];
  readonly alerts: Alert[];
}

/**
 * Reads the pipeline's output topics from their current end, as a downstream team would, so a
 * demo or test sees only what its own events caused. `start()` resolves once the reader has
 * its partitions, so nothing produced afterwards is missed.
 */
export function watchPipeline(opts: { brokers: readonly string[]; registryUrl: string; topics: PipelineTopics }) {
  const registry = new SchemaRegistryClient({ baseURLs: [opts.registryUrl] });
  const decoders = {
    prediction: createAvroDecoder<Prediction>({ registry, readerSchema: loadSchema('prediction') }),
    report: createAvroDecoder<DriftReport>({ registry, readerSchema: loadSchema('driftReport') }),
    alert: createAvroDecoder<Alert>({ registry, readerSchema: loadSchema('alert') }),
  };
  const kafka = createKafkaClient({ brokers: opts.brokers, clientId: 'tidewater-watcher' });
  const out: PipelineOutputs = {
    predictions: [],
    predictionTraceparents: [],
    predictionOffsets: [],
    deadLetters: [],
    reports: [],
    alerts: [],
  };
  let consumer: KafkaConsumer | undefined;

  return {
    outputs: out,
    async start(): Promise<void> {
      consumer = kafka.consumer({
        groupId: `tidewater-watcher-${randomUUID()}`,
        sessionTimeout: 6000,
        rebalanceTimeout: 6000,
        heartbeatInterval: 500,
      });
      await consumer.connect();
      const t = opts.topics;
      await consumer.subscribe({ topics: [t.predictions, t.dlq, t.reports, t.alerts], fromBeginning: false });
      await consumer.run({
        eachBatch: async ({ batch }) => {
          const values = batch.messages.map((m) => m.value);
          if (batch.topic === t.predictions) await decoders.prediction.prepare(values);
          else if (batch.topic === t.reports) await decoders.report.prepare(values);
          else if (batch.topic === t.alerts) await decoders.alert.prepare(values);
          for (const m of batch.messages) {
            if (batch.topic === t.dlq) {
              out.deadLetters.push({ code: headerText(m.headers, deadLetterHeaders.code) ?? '', value: m.value, headers: m.headers ?? {} });
            } else if (m.value) {
              if (batch.topic === t.predictions) {
                out.predictions.push(decoders.prediction.decode(m.value));
                out.predictionTraceparents.push(headerText(m.headers, 'traceparent'));
                out.predictionOffsets.push({ partition: batch.partition, offset: m.offset });
              } else if (batch.topic === t.reports) {
                out.reports.push(decoders.report.decode(m.value));
              } else {
                out.alerts.push(decoders.alert.decode(m.value));
              }
            }
          }
        },
      });
      await consumer.joined();
      // A just-joined consumer with fromBeginning false starts at the log end once it has fetched offsets.
      await new Promise((r) => setTimeout(r, 1000));
    },
    async stop(): Promise<void> {
      await consumer?.disconnect();
    },
  };
}
