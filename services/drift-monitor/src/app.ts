import type { Redis } from 'ioredis';
import { createConsumerRunner, deadLetterHeaders, headerText, type ConsumerRunner } from '@tidewater/kafka';
import type { ModelManifest } from '@tidewater/model-manifest';
import { avroConsumerCodec, avroTopicWriter, type ServiceRuntime } from '@tidewater/service-runtime';
import type { DriftConfig } from './config.js';
import { driftConfigFromEnv, type WindowAndTestConfig } from './processor-options.js';
import { createDriftMetrics } from './drift-metrics.js';
import { createDriftProcessor, type DriftInput } from './drift-processor.js';
import { createDriftStateStore } from './drift-state-store.js';

export type DriftDeps = Pick<ServiceRuntime, 'kafka' | 'logger' | 'metrics' | 'producer' | 'schemaRegistry' | 'deadLetterWriter'> & {
  readonly manifest: ModelManifest;
  readonly redis: Redis;
  readonly config: WindowAndTestConfig &
    Pick<
      DriftConfig,
      | 'TOPIC_FEATURES'
      | 'TOPIC_PREDICTIONS'
      | 'TOPIC_DRIFT_REPORTS'
      | 'TOPIC_ALERTS'
      | 'TOPIC_EVENTS_DLQ'
      | 'CONSUMER_GROUP'
      | 'SCHEMA_AUTO_REGISTER'
      | 'DRIFT_COUNT_DEAD_LETTERS'
      | 'REDIS_KEY_PREFIX'
      | 'DRIFT_FETCH_MIN_BYTES'
      | 'DRIFT_FETCH_MAX_WAIT_MS'
    >;
  readonly now?: () => number;
};

/**
 * Drift monitor: joins features and predictions by event id, fills event-time (or count) windows
 * per model version, judges each closed window against the manifest's reference profile, and
 * publishes a drift report, Prometheus gauges, and firing / resolved alerts after K / M windows.
 * Open windows are saved to Redis after every batch and restored on start.
 */
export async function createApp(deps: DriftDeps): Promise<{ consumer: ConsumerRunner; start(): Promise<void>; close(): Promise<void> }> {
  const { config, manifest } = deps;
  const [reports, alerts] = await Promise.all([
    avroTopicWriter(deps.schemaRegistry, config.TOPIC_DRIFT_REPORTS, 'driftReport', config.SCHEMA_AUTO_REGISTER),
    avroTopicWriter(deps.schemaRegistry, config.TOPIC_ALERTS, 'alert', config.SCHEMA_AUTO_REGISTER),
  ]);
  const features = avroConsumerCodec(deps.schemaRegistry, 'featureVector');
  const predictions = avroConsumerCodec(deps.schemaRegistry, 'prediction');
  const metrics = createDriftMetrics(deps.metrics);
  const processor = createDriftProcessor({
    ...driftConfigFromEnv(config),
    manifests: [manifest],
    now: deps.now ?? Date.now,
    onEvict: (side) => metrics.counters.evicted.inc({ side }),
    onUnknownModel: (model, version) => metrics.counters.unknownModel.inc({ model, version }),
    onWindowClosed: (report) => {
      metrics.record(report);
      deps.logger.info(
        {
          model: report.model_name,
          version: report.model_version,
          drifted: report.drifted,
          driftedFeatures: report.drifted_features,
          samples: report.sample_size,
          windowStart: report.window_start,
          windowEnd: report.window_end,
        },
        'drift window closed',
      );
    },
  });
  const store = createDriftStateStore(deps.redis, config.REDIS_KEY_PREFIX, config.CONSUMER_GROUP);

  const topics = [config.TOPIC_FEATURES, config.TOPIC_PREDICTIONS, ...(config.DRIFT_COUNT_DEAD_LETTERS ? [config.TOPIC_EVENTS_DLQ] : [])];
  const consumer = createConsumerRunner<DriftInput>({
    kafka: deps.kafka,
    groupId: config.CONSUMER_GROUP,
    topics,
    logger: deps.logger,
    registry: deps.metrics,
    deadLetters: deps.deadLetterWriter(config.TOPIC_EVENTS_DLQ),
    consumer: { minBytes: config.DRIFT_FETCH_MIN_BYTES, maxWaitTimeInMs: config.DRIFT_FETCH_MAX_WAIT_MS },
    // A fetched batch comes from one partition of one topic: warm only that topic's reader.
    prepare: async (messages, topic) => {
      if (topic === config.TOPIC_FEATURES) await features.prepare(messages);
      else if (topic === config.TOPIC_PREDICTIONS) await predictions.prepare(messages);
    },
    decode: (message, topic) =>
      topic === config.TOPIC_FEATURES
        ? { kind: 'features', value: features.decode(message) }
        : topic === config.TOPIC_PREDICTIONS
          ? { kind: 'prediction', value: predictions.decode(message) }
          : // The DLQ is shared by every service; only ingestion's rejects are upstream schema
            // violations (the others, this service's included, are pipeline faults). Their bytes
            // failed validation, so only their number matters here.
            { kind: headerText(message.headers, deadLetterHeaders.service) === 'ingestion' ? 'dead-letter' : 'ignored' },
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
      // Saved before the runner commits the batch's offsets: a crash in between replays the batch,
      // and the snapshot's applied offsets make the replay a no-op.
      if (records.length > 0) await store.save(processor.snapshot());
    },
  });

  return {
    consumer,
    async start() {
      const saved = await store.load();
      if (saved !== undefined) {
        try {
          const { resumed, dropped } = processor.restore(saved);
          deps.logger.info({ key: store.key, resumed, dropped }, 'resumed drift windows from Redis');
        } catch (err) {
          deps.logger.warn({ err, key: store.key }, 'drift state in Redis unusable; starting with empty windows');
        }
      }
      await consumer.start();
    },
    close: () => consumer.close(),
  };
}
