import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { SchemaRegistryClient } from '@confluentinc/schemaregistry';
import type { KafkaClient } from '@tidewater/kafka';
import { avroReader } from '@tidewater/service-runtime';
import type { FeatureVector, Prediction } from '@tidewater/schemas';
import { featureErrors } from './errors.js';

export interface TrainingExportOptions {
  readonly kafka: KafkaClient;
  readonly registry: SchemaRegistryClient;
  readonly featuresTopic: string;
  readonly predictionsTopic: string;
  /** Event-time range [from, to) in epoch millis. */
  readonly from: number;
  readonly to: number;
  readonly out: string;
  /** Gives up when the topics are not read to their end within this time. */
  readonly timeoutMs?: number;
}

export interface TrainingExportResult {
  readonly rows: number;
  readonly features: number;
  readonly predictions: number;
  /** Vectors in range with no prediction, and predictions with no vector. */
  readonly unmatchedFeatures: number;
  readonly unmatchedPredictions: number;
  readonly columns: readonly string[];
}

const predictionColumns = ['model_name', 'model_version', 'score', 'label', 'threshold', 'predicted_at'] as const;

/** RFC 4180: quote a field holding a comma, quote or line break; double the quotes. */
export function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Reads `features` and `predictions` from the offsets of `from` (by record timestamp) to the
 * topics' ends as they were when the export started, keeps records whose event time is in
 * [from, to), joins them by event_id (one row per prediction: several models give several rows),
 * and writes a CSV with one column per feature. Holds the range in memory: meant for the
 * days-sized ranges a demo model trains on, not for months.
 */
export async function exportTraining(opts: TrainingExportOptions): Promise<TrainingExportResult> {
  const vectors = new Map<string, FeatureVector>();
  const predictions: Prediction[] = [];
  const featureReader = avroReader(opts.registry, 'featureVector');
  const predictionReader = avroReader(opts.registry, 'prediction');
  await readRange(opts, opts.featuresTopic, async (values) => {
    await featureReader.prepare(values);
    for (const v of values) {
      const fv = featureReader.decode(v);
      if (fv.event_time >= opts.from && fv.event_time < opts.to) vectors.set(fv.event_id, fv);
    }
  });
  await readRange(opts, opts.predictionsTopic, async (values) => {
    await predictionReader.prepare(values);
    for (const v of values) {
      const p = predictionReader.decode(v);
      if (p.event_time >= opts.from && p.event_time < opts.to) predictions.push(p);
    }
  });

  const featureNames: string[] = [];
  const known = new Set<string>();
  for (const v of vectors.values())
    for (const name of Object.keys(v.features)) {
      if (known.has(name)) continue;
      known.add(name);
      featureNames.push(name);
    }
  const columns = [
    'event_id',
    'entity_key',
    'event_time',
    'feature_set',
    'feature_set_version',
    'late',
    ...featureNames,
    ...predictionColumns,
  ];
  const matched = new Set<string>();
  let rows = 0;
  let unmatchedPredictions = 0;
  const file = createWriteStream(opts.out);
  const write = async (line: string) => {
    if (!file.write(`${line}\n`)) await once(file, 'drain');
  };
  try {
    await write(columns.map(csvField).join(','));
    for (const p of predictions) {
      const v = vectors.get(p.event_id);
      if (!v) {
        unmatchedPredictions++;
        continue;
      }
      matched.add(p.event_id);
      rows++;
      await write(
        [
          v.event_id,
          v.entity_key,
          new Date(v.event_time).toISOString(),
          v.feature_set,
          v.feature_set_version,
          v.late,
          ...featureNames.map((n) => v.features[n] ?? null),
          p.model_name,
          p.model_version,
          p.score,
          p.label,
          p.threshold,
          new Date(p.predicted_at).toISOString(),
        ]
          .map(csvField)
          .join(','),
      );
    }
  } finally {
    file.end();
    await once(file, 'close');
  }
  return {
    rows,
    features: vectors.size,
    predictions: predictions.length,
    unmatchedFeatures: vectors.size - matched.size,
    unmatchedPredictions,
    columns,
  };
}

/** Feeds `onBatch` every record value of `topic` from the offsets of `from` to the ends at call time. */
async function readRange(opts: TrainingExportOptions, topic: string, onBatch: (values: Buffer[]) => Promise<void>): Promise<void> {
  const admin = opts.kafka.admin();
  await admin.connect();
  const startOf = new Map<number, bigint>();
  const remaining = new Map<number, bigint>();
  try {
    const [byTime, ends, probe] = await Promise.all([
      admin.fetchTopicOffsetsByTimestamp(topic, opts.from),
      admin.fetchTopicOffsets(topic),
      admin.fetchTopicOffsetsByTimestamp(topic, 0),
    ]);
    // A broker without timestamp lookups (librdkafka's mock cluster answers -1, which kafkajs
    // turns into the high watermark) would silently export nothing: detect it by asking for
    // epoch 0, which must give the low watermark, and then read from the start instead.
    const probeOf = new Map(probe.map((p) => [p.partition, p.offset]));
    const lookupsWork = ends.every((e) => e.high === e.low || probeOf.get(e.partition) === e.low);
    const fromTime = new Map(byTime.map((s) => [s.partition, s.offset]));
    for (const e of ends) {
      const start = BigInt(lookupsWork ? (fromTime.get(e.partition) ?? e.low) : e.low);
      const high = BigInt(e.high);
      startOf.set(e.partition, start);
      if (start >= 0n && start < high) remaining.set(e.partition, high - 1n);
    }
  } catch (cause) {
    throw featureErrors.create('TW_FEATURE_EXPORT_FAILED', `cannot read the offsets of ${topic}`, { cause });
  } finally {
    await admin.disconnect();
  }
  if (remaining.size === 0) return;

  const consumer = opts.kafka.consumer({ groupId: `tw-export-training-${process.pid}-${Date.now()}`, maxWaitTimeInMs: 200 });
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const last = remaining.get(batch.partition);
        if (last === undefined) return;
        const values = batch.messages.filter((m) => BigInt(m.offset) <= last && m.value).map((m) => m.value!);
        if (values.length > 0) await onBatch(values);
        if (BigInt(batch.lastOffset()) >= last) {
          remaining.delete(batch.partition);
          if (remaining.size === 0) finish();
        }
      },
    });
    for (const [partition] of remaining) consumer.seek({ topic, partition, offset: String(startOf.get(partition) ?? 0n) });
    const timeoutMs = opts.timeoutMs ?? 120_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      done,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(featureErrors.create('TW_FEATURE_EXPORT_FAILED', `${topic} was not read to its end within ${timeoutMs} ms`)),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
}
