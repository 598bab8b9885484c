import {
  createConsumerRunner,
  type ConsumedRecord,
  type ConsumerRunner,
  type OutgoingRecord,
  type TransactionalProducer,
} from '@tidewater/kafka';
import { avroConsumerCodec, avroTopicWriter, type AvroTopicWriter, type ServiceRuntime } from '@tidewater/service-runtime';
import type { FeatureVector, Prediction } from '@tidewater/schemas';
import type { InferenceConfig } from './config.js';
import type { ModelLease, ModelRouter } from './model-routing.js';
import { createDynamicBatcher, type Scorer } from './batching/dynamic-batcher.js';
import { createBackpressure } from './stream/backpressure.js';
import { createInferenceMetrics } from './stream/inference-metrics.js';
import { offsetsVisible, type CommittedOffsetsReader } from './stream/offsets-visible.js';
import { createProducerOutbox, createTransactionalOutbox, type NextOffset, type TopicRecords } from './stream/outbox.js';
import { scoreRecords, type ModelPredictions, type ScoredBatch } from './stream/score-records.js';

export type InferenceDeps = Pick<ServiceRuntime, 'kafka' | 'logger' | 'metrics' | 'producer' | 'schemaRegistry' | 'deadLetterWriter'> & {
  /** Routes each entity to the model versions that score it (the repository, or a single-model router). */
  readonly router: ModelRouter;
  /** The model every feature vector is scored by; its traffic policy picks the version. */
  readonly modelName: string;
  readonly config: Pick<
    InferenceConfig,
    | 'TOPIC_FEATURES'
    | 'TOPIC_EVENTS_DLQ'
    | 'TOPIC_PREDICTIONS'
    | 'TOPIC_PREDICTIONS_SHADOW'
    | 'CONSUMER_GROUP'
    | 'SCHEMA_AUTO_REGISTER'
    | 'MAX_BATCH_SIZE'
    | 'MAX_BATCH_DELAY_MS'
    | 'MAX_IN_FLIGHT'
    | 'PARTITIONS_CONSUMED_CONCURRENTLY'
    | 'FETCH_MAX_BYTES_PER_PARTITION'
    | 'FETCH_MAX_WAIT_MS'
    | 'EXACTLY_ONCE_OFFSETS_WAIT_MS'
  > &
    Partial<Pick<InferenceConfig, 'CONSUMER_SESSION_TIMEOUT_MS' | 'CONSUMER_HEARTBEAT_INTERVAL_MS'>>;
  /** Runs sessions elsewhere (the worker-thread pool); the model's own `score` when omitted. */
  readonly scorer?: Scorer;
  /** Session runs of one model at once: the pool size when `scorer` is a pool. */
  readonly maxConcurrentRuns?: number;
  /** Exactly-once mode: a connected transactional producer; predictions and offsets commit in one transaction. */
  readonly transactionalProducer?: TransactionalProducer;
  /**
   * Exactly-once mode: reads the group's committed offsets. With it, a batch is done only once the
   * offsets its transaction committed read back (up to EXACTLY_ONCE_OFFSETS_WAIT_MS), so that a
   * rebalance cannot hand its partitions on from older ones.
   */
  readonly committedOffsets?: CommittedOffsetsReader;
  readonly now?: () => number;
};

export interface InferenceApp {
  readonly consumer: ConsumerRunner;
  /** Scores rows batched with the stream traffic: what the OIP endpoints call. */
  score(model: Parameters<Scorer>[0], rows: Float32Array, n: number): Promise<Float32Array>;
  /** Drops batcher state of a retired version: pass to the repository's onModelClosed. */
  forget(model: Parameters<Scorer>[0]): void;
  start(): Promise<void>;
  /** Stops consuming (finishing the batches in flight), then drains the batcher. */
  close(): Promise<void>;
}

function encodeAll(out: AvroTopicWriter<Prediction>, predictions: ModelPredictions['predictions']): OutgoingRecord[] {
  return predictions.map(({ record, prediction }) => ({
    key: out.key.encode(prediction.entity_key),
    value: out.value.encode(prediction),
    context: record.context,
  }));
}

function nextOffsets(records: readonly ConsumedRecord<FeatureVector>[]): NextOffset[] {
  // A partition's records arrive in offset order and in one run (a batch is one partition's):
  // its last record is where a run ends, so no key is built per record.
  const last = new Map<string, ConsumedRecord<FeatureVector>>();
  records.forEach((r, i) => {
    const next = records[i + 1];
    if (next === undefined || next.partition !== r.partition || next.topic !== r.topic) last.set(`${r.topic}:${r.partition}`, r);
  });
  return [...last.values()].map((r) => ({ topic: r.topic, partition: r.partition, offset: String(BigInt(r.offset) + 1n) }));
}

/**
 * Inference: feature vectors in, one Prediction per vector out (plus one per shadow version on
 * the shadow topic). Several partitions' fetched batches are processed at once and their rows
 * share session runs through the dynamic batcher; each batch's predictions go out in input
 * order, and its offsets are committed only after Kafka acknowledged them (or, in exactly-once
 * mode, in the same transaction).
 */
export async function createApp(deps: InferenceDeps): Promise<InferenceApp> {
  const { config, router, modelName } = deps;
  const now = deps.now ?? Date.now;
  const [out, shadowOut] = await Promise.all([
    avroTopicWriter(deps.schemaRegistry, config.TOPIC_PREDICTIONS, 'prediction', config.SCHEMA_AUTO_REGISTER),
    avroTopicWriter(deps.schemaRegistry, config.TOPIC_PREDICTIONS_SHADOW, 'prediction', config.SCHEMA_AUTO_REGISTER),
  ]);
  const codec = avroConsumerCodec(deps.schemaRegistry, 'featureVector');
  const metrics = createInferenceMetrics(deps.metrics);
  const batcher = createDynamicBatcher({
    maxBatchSize: config.MAX_BATCH_SIZE,
    maxDelayMs: config.MAX_BATCH_DELAY_MS,
    ...(deps.maxConcurrentRuns === undefined ? {} : { maxConcurrentRuns: deps.maxConcurrentRuns }),
    ...(deps.scorer ? { scorer: deps.scorer } : {}),
    onRun: (model, rows, seconds, error) => {
      const labels = { model: model.manifest.name, version: model.manifest.version };
      metrics.batchSize.observe(labels, rows);
      metrics.runSeconds.observe(labels, seconds);
      if (error !== undefined) metrics.errors.inc(labels, rows);
    },
  });
  const read = deps.committedOffsets;
  const awaitVisible =
    read &&
    (async (offsets: readonly NextOffset[]) => {
      const timeoutMs = config.EXACTLY_ONCE_OFFSETS_WAIT_MS;
      if (!(await offsetsVisible(offsets, { read, timeoutMs })))
        deps.logger.warn(
          { offsets, timeoutMs },
          'committed offsets did not read back in time; a rebalance now may have these records scored again',
        );
    });
  const outbox = deps.transactionalProducer
    ? createTransactionalOutbox(deps.transactionalProducer, config.CONSUMER_GROUP, awaitVisible)
    : createProducerOutbox(deps.producer);

  const consumer = createConsumerRunner<FeatureVector>({
    kafka: deps.kafka,
    groupId: config.CONSUMER_GROUP,
    topics: [config.TOPIC_FEATURES],
    logger: deps.logger,
    registry: deps.metrics,
    deadLetters: deps.deadLetterWriter(config.TOPIC_EVENTS_DLQ),
    partitionsConsumedConcurrently: config.PARTITIONS_CONSUMED_CONCURRENTLY,
    consumer: {
      // Exactly-once: the offsets commit in each batch's transaction, so an interval saves no round
      // trip there; the runner's own commit of the same offsets stays after every batch (whatever
      // KAFKA_COMMIT_INTERVAL_MS says), as exactly-once.int.test.ts was written against, rather
      // than landing up to a second later, after transactions that committed newer offsets.
      ...(deps.transactionalProducer ? { commitIntervalMs: 0 } : {}),
      maxBytesPerPartition: config.FETCH_MAX_BYTES_PER_PARTITION,
      maxWaitTimeInMs: config.FETCH_MAX_WAIT_MS,
      ...(config.CONSUMER_SESSION_TIMEOUT_MS === undefined ? {} : { sessionTimeout: config.CONSUMER_SESSION_TIMEOUT_MS }),
      ...(config.CONSUMER_HEARTBEAT_INTERVAL_MS === undefined ? {} : { heartbeatInterval: config.CONSUMER_HEARTBEAT_INTERVAL_MS }),
    },
    ...codec,
    handle: async (records, tools) => {
      const first = records[0]!;
      backpressure.admit(first.topic, first.partition, records.length);
      const leases: ModelLease[] = [];
      try {
        for (const r of records) leases.push(router.acquire(modelName, r.value.entity_key));
        const scored = await scoreRecords(batcher.score, records, leases, now, (model, err) =>
          deps.logger.warn(
            { err, model: model.manifest.name, version: model.manifest.version },
            'shadow scoring failed; its predictions are skipped',
          ),
        );
        // Scoring can take a while (a busy machine, a heavy model): if the group moved these partitions
        // meanwhile, this throws and the batch is left to their new owner rather than published twice.
        await tools.heartbeat();
        // A model output that is not a score goes to the dead-letter topic with TW_MODEL_INVALID_SCORE, never to predictions.
        for (const r of scored.rejected) tools.deadLetter(r.record, r.error);
        const batches: TopicRecords[] = [{ topic: out.topic, records: encodeAll(out, scored.serving) }];
        for (const s of scored.shadow) batches.push({ topic: shadowOut.topic, records: encodeAll(shadowOut, s.predictions) });
        await outbox.deliver(batches, nextOffsets(records));
        countPredictions(scored.serving, 'predictions');
        countQuality(scored);
        const acknowledgedAt = now();
        for (const { model, prediction } of scored.serving) {
          // Event time can be ahead of this clock by the allowed skew: count that as no delay.
          metrics.pipelineLatency.observe({ model: model.manifest.name }, Math.max(0, acknowledgedAt - prediction.event_time) / 1000);
        }
        for (const s of scored.shadow) {
          const { name, version } = s.model.manifest;
          metrics.predictions.inc({ model: name, version, destination: 'shadow' }, s.predictions.length);
        }
      } finally {
        // Released only now: a version being swapped out is closed after the last batch it scored is acknowledged.
        for (const l of leases) l.release();
        backpressure.done(records.length);
      }
    },
  });
  const backpressure = createBackpressure({
    consumer,
    maxInFlight: config.MAX_IN_FLIGHT,
    metrics,
    logger: deps.logger,
  });

  function countQuality(scored: ScoredBatch): void {
    for (const [m, n] of scored.defaulted)
      if (n > 0) metrics.defaultedFeatures.inc({ model: m.manifest.name, version: m.manifest.version }, n);
    const invalid = [
      ...scored.rejected.map((r) => ({ model: r.model, destination: 'predictions' })),
      ...scored.shadow.flatMap((s) => s.rejected.map((r) => ({ model: r.model, destination: 'shadow' }))),
    ];
    for (const { model, destination } of invalid)
      metrics.invalidScores.inc({ model: model.manifest.name, version: model.manifest.version, destination });
  }

  function countPredictions(list: readonly { model: Parameters<Scorer>[0] }[], destination: string): void {
    const counts = new Map<Parameters<Scorer>[0], number>();
    for (const p of list) counts.set(p.model, (counts.get(p.model) ?? 0) + 1);
    for (const [m, n] of counts) metrics.predictions.inc({ model: m.manifest.name, version: m.manifest.version, destination }, n);
  }

  return {
    consumer,
    score: batcher.score,
    forget: batcher.forget,
    start: () => consumer.start(),
    async close() {
      await consumer.close();
      await batcher.close();
    },
  };
}
