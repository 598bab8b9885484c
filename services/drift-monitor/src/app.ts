import { randomUUID } from 'node:crypto';
import { Counter, Gauge } from 'prom-client';
import { createConsumerRunner, type ConsumedRecord, type ConsumerRunner, type OutgoingRecord } from '@tidewater/kafka';
import type { ModelManifest } from '@tidewater/model-manifest';
import { avroConsumerCodec, avroTopicWriter, type ServiceRuntime } from '@tidewater/service-runtime';
import type { FeatureVector, Prediction } from '@tidewater/schemas';
import type { DriftConfig } from './config.js';
import { driftAlert } from './drift-alert.js';
import { DriftWindow } from './drift-window.js';
import { FeaturePredictionJoin } from './feature-prediction-join.js';

type Input = { kind: 'features'; value: FeatureVector } | { kind: 'prediction'; value: Prediction };

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
  const now = deps.now ?? Date.now;
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
  const join = new FeaturePredictionJoin(config.DRIFT_JOIN_CAPACITY, (side) => {
    evicted.inc({ side });
  });
  let window = new DriftWindow(manifest);
  /** Last offset per topic-partition whose record changed the in-memory windows. */
  const applied = new Map<string, number>();
  /** Reports and alerts computed but not yet acknowledged by Kafka. */
  let pending = { reports: [] as OutgoingRecord[], alerts: [] as OutgoingRecord[] };
  let firingSince: number | undefined;

  function closeWindow(closer: ConsumedRecord<Input>, out: { reports: OutgoingRecord[]; alerts: OutgoingRecord[] }): void {
    const report = window.report(randomUUID(), config.DRIFT_PSI_THRESHOLD);
    window = new DriftWindow(manifest);
    for (const f of report.features) psiGauge.set({ model: report.model_name, version: report.model_version, feature: f.feature }, f.value);
    deps.logger.info(
      { model: report.model_name, version: report.model_version, drifted: report.drifted, samples: report.sample_size },
      'drift window closed',
    );
    out.reports.push({ key: reports.key.encode(report.model_name), value: reports.value.encode(report), context: closer.context });
    const t = now();
    if (report.drifted && firingSince === undefined) {
      firingSince = t;
      const alert = driftAlert(report, 'firing', t, t, config.RUNBOOK_BASE_URL);
      out.alerts.push({ key: alerts.key.encode(alert.fingerprint), value: alerts.value.encode(alert), context: closer.context });
    } else if (!report.drifted && firingSince !== undefined) {
      const alert = driftAlert(report, 'resolved', firingSince, t, config.RUNBOOK_BASE_URL);
      firingSince = undefined;
      out.alerts.push({ key: alerts.key.encode(alert.fingerprint), value: alerts.value.encode(alert), context: closer.context });
    }
  }

  const consumer = createConsumerRunner<Input>({
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
      for (const r of records) {
        // A retried batch must not count its records twice: each record changes the windows once,
        // and what a failed attempt produced waits in `pending` to be sent by the next one.
        const tp = `${r.topic}:${r.partition}`;
        const offset = Number(r.offset);
        if ((applied.get(tp) ?? -1) >= offset) continue;
        applied.set(tp, offset);
        // A window counts an event once both its features and its prediction are in, so both
        // sides of a window describe the same events.
        const pair = r.value.kind === 'features' ? join.addFeatures(r.value.value) : join.addPrediction(r.value.value);
        if (!pair) continue;
        const p = pair.prediction;
        if (p.model_name !== manifest.name || p.model_version !== manifest.version) continue;
        window.addFeatures(pair.features);
        window.addPrediction(p.score, p.label, p.event_time);
        if (window.size >= config.DRIFT_WINDOW_SIZE) closeWindow(r, pending);
      }
      const batches = [
        { topic: reports.topic, records: pending.reports },
        { topic: alerts.topic, records: pending.alerts },
      ].filter((b) => b.records.length > 0);
      if (batches.length > 0) await deps.producer.sendMany(batches);
      pending = { reports: [], alerts: [] };
    },
  });
  return { consumer, start: () => consumer.start(), close: () => consumer.close() };
}
