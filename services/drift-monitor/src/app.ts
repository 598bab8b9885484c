import { Counter, Gauge } from 'prom-client';
import { createConsumerRunner, type ConsumerRunner } from '@tidewater/kafka';
import type { ModelManifest } from '@tidewater/model-manifest';
import { avroConsumerCodec, avroTopicWriter, type ServiceRuntime } from '@tidewater/service-runtime';
import type { DriftConfig } from './config.js';
import { createDriftProcessor, type DriftInput } from './drift-processor.js';

export type DriftDeps = Pick<ServiceRuntime, 'kafka' | 'logger' | 'metrics' | 'producer' | 'schemaRegistry' | 'deadLetterWriter'> & {
  readonly manifest: ModelManifest;
  readonly config: Pick<
    DriftConfig,
    | 'TOPIC_FEATURES'
    | 'TOPIC_PREDICTIONS'
    | 'TOPIC_DRIFT_REPORTS'
    | 'TOPIC_ALERTS'
    | 'TOPIC_EVENTS_DLQ'
    | 'CONSUMER_GROUP'
    | 'SCHEMA_AUTO_REGISTER'
    | 'DRIFT_WINDOW_SIZE'
    | 'DRIFT_PSI_THRESHOLD'
    | 'DRIFT_JOIN_CAPACITY'
    | 'RUNBOOK_BASE_URL'
  >;
  readonly now?: () => number;
};

/**
 * Drift monitor (walking skeleton): tumbling windows of DRIFT_WINDOW_SIZE predictions of one
 * model version; each closed window yields a drift report (PSI per feature and for the score
 * against the manifest's reference profile) and, when the verdict changes, a firing or
 * resolved alert. Reports and alerts continue the trace of the prediction that closed the window.
 */
export async function createApp(deps: DriftDeps): Promise<{ consumer: ConsumerRunner; start(): Promise<void>; close(): Promise<void> }> {
  const { config, manifest } = deps;
  const [reports, alerts] = await Promise.all([
    avroTopicWriter(deps.schemaRegistry, config.TOPIC_DRIFT_REPORTS, 'driftReport', config.SCHEMA_AUTO_REGISTER),
    avroTopicWriter(deps.schemaRegistry, config.TOPIC_ALERTS, 'alert', config.SCHEMA_AUTO_REGISTER),
  ]);
  const features = avroConsumerCodec(deps.schemaRegistry, 'featureVector');
  const predictions = avroConsumerCodec(deps.schemaRegistry, 'prediction');
  const psiGauge = new Gauge({
    name: 'tw_drift_psi',
    help: 'PSI of the latest closed window',
    labelNames: ['model', 'version', 'feature'],
    registers: [deps.metrics],
  });
  const evicted = new Counter({
    name: 'tw_drift_join_evictions_total',
    help: 'Feature vectors or predictions dropped from the join buffer before their partner arrived',
    labelNames: ['side'],
    registers: [deps.metrics],
  });
  const processor = createDriftProcessor({
    manifest,
    windowSize: config.DRIFT_WINDOW_SIZE,
    psiThreshold: config.DRIFT_PSI_THRESHOLD,
    joinCapacity: config.DRIFT_JOIN_CAPACITY,
    runbookBaseUrl: config.RUNBOOK_BASE_URL,
    now: deps.now ?? Date.now,
    onEvict: (side) => evicted.inc({ side }),
    onWindowClosed: (report) => {
      for (const f of report.features)
        psiGauge.set({ model: report.model_name, version: report.model_version, feature: f.feature }, f.value);
      deps.logger.info(
        { model: report.model_name, version: report.model_version, drifted: report.drifted, samples: report.sample_size },
        'drift window closed',
      );
    },
  });

  const consumer = createConsumerRunner<DriftInput>({
    kafka: deps.kafka,
    groupId: config.CONSUMER_GROUP,
    topics: [config.TOPIC_FEATURES, config.TOPIC_PREDICTIONS],
    logger: deps.logger,
    registry: deps.metrics,
    deadLetters: deps.deadLetterWriter(config.TOPIC_EVENTS_DLQ),
    // A fetched batch comes from one partition of one topic: warm only that topic's reader.
    prepare: (messages, topic) => (topic === config.TOPIC_FEATURES ? features : predictions).prepare(messages),
    decode: (message, topic) =>
      topic === config.TOPIC_FEATURES
        ? { kind: 'features', value: features.decode(message) }
        : { kind: 'prediction', value: predictions.decode(message) },
    handle: async (records) => {
      processor.apply(records);
      const out = processor.pending();
      const batches = [
        {
          topic: reports.topic,
          records: out.reports.map((r) => ({
            key: reports.key.encode(r.report.model_name),
            value: reports.value.encode(r.report),
            context: r.context,
          })),
        },
        {
          topic: alerts.topic,
          records: out.alerts.map((a) => ({
            key: alerts.key.encode(a.alert.fingerprint),
            value: alerts.value.encode(a.alert),
            context: a.context,
          })),
        },
      ].filter((b) => b.records.length > 0);
      if (batches.length > 0) await deps.producer.sendMany(batches);
      processor.acknowledge();
    },
  });
  return { consumer, start: () => consumer.start(), close: () => consumer.close() };
}
