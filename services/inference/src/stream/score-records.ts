import type { ConsumedRecord } from '@tidewater/kafka';
import type { FeatureVector, Prediction } from '@tidewater/schemas';
import { invalidScore, modelErrors, toScore, type LoadedModel } from '../model/index.js';
import type { ModelLease } from '../model-routing.js';

/** Scores `rows` (n rows of the model's width) in a shared batch; the dynamic batcher's `score`. */
export type BatchScore = (model: LoadedModel, rows: Float32Array, n: number) => Promise<Float32Array>;

/**
 * A record that is not published: its model output was not a score (NaN, ±Infinity, outside [0, 1]),
 * or a feature was not finite as float32 and the manifest says `inputs.nonFinite: dead-letter`.
 */
export interface RejectedRecord {
  readonly record: ConsumedRecord<FeatureVector>;
  readonly model: LoadedModel;
  /** TW_MODEL_INVALID_SCORE or TW_MODEL_NON_FINITE_INPUT. */
  readonly error: Error;
}

/** One model version's predictions for some of the batch's records, in record order. */
export interface ModelPredictions {
  readonly model: LoadedModel;
  readonly predictions: readonly { readonly record: ConsumedRecord<FeatureVector>; readonly prediction: Prediction }[];
  /** Records the version gave no valid score. */
  readonly rejected: readonly RejectedRecord[];
  /** Features of these rows that took the manifest default (missing, null, non-numeric, non-finite). */
  readonly defaulted: number;
}

/** A prediction and the model version that made it. */
export interface ScoredRecord {
  readonly record: ConsumedRecord<FeatureVector>;
  readonly model: LoadedModel;
  readonly prediction: Prediction;
}

export interface ScoredBatch {
  /**
   * One per record with a valid score, in record order, whichever version served it: per-partition
   * order survives a canary split.
   */
  readonly serving: readonly ScoredRecord[];
  /** Records whose serving version answered no valid score: dead-lettered, never published. */
  readonly rejected: readonly RejectedRecord[];
  /** Shadow versions' predictions, grouped by version (a shadow's invalid outputs are in its `rejected`). */
  readonly shadow: readonly ModelPredictions[];
  /** Features of the serving rows that took their manifest default, per version. */
  readonly defaulted: ReadonlyMap<LoadedModel, number>;
}

// Scores the records routed to one model in one batcher request, keeping record order.
async function scoreGroup(
  score: BatchScore,
  model: LoadedModel,
  group: readonly ConsumedRecord<FeatureVector>[],
  now: () => number,
): Promise<ModelPredictions> {
  const width = model.featureNames.length;
  const rows = new Float32Array(group.length * width);
  let defaulted = 0;
  const rejected: RejectedRecord[] = [];
  // The records with a row, in order: a manifest with `inputs.nonFinite: dead-letter` refuses some.
  const scored: ConsumedRecord<FeatureVector>[] = [];
  for (const record of group) {
    try {
      defaulted += model.toRow(record.value.features, rows, scored.length * width).missing;
    } catch (err) {
      if (!modelErrors.is(err, 'TW_MODEL_NON_FINITE_INPUT')) throw err;
      rejected.push({ record, model, error: err });
      continue;
    }
    scored.push(record);
  }
  const scores = scored.length === 0 ? new Float32Array(0) : await score(model, rows, scored.length);
  const predictedAt = now();
  const { name, version } = model.manifest;
  const { threshold } = model.manifest.outputs;
  const predictions: ModelPredictions['predictions'][number][] = [];
  scored.forEach((record, i) => {
    const v = record.value;
    const output = scores[i]!;
    // Rows are finite (the row writer defaults anything else), yet a model can still answer NaN:
    // compared with the threshold it made `label: false`, so it is dead-lettered, never published.
    const s = toScore(output);
    if (s === undefined) {
      rejected.push({ record, model, error: invalidScore(output, model.manifest) });
      return;
    }
    predictions.push({
      record,
      prediction: {
        event_id: v.event_id,
        entity_key: v.entity_key,
        model_name: name,
        model_version: version,
        feature_set_version: v.feature_set_version,
        score: s,
        label: s >= threshold,
        threshold,
        event_time: v.event_time,
        ingested_at: v.ingested_at,
        feature_time: v.feature_time,
        predicted_at: predictedAt,
        source: { topic: record.topic, partition: record.partition, offset: Number(record.offset) },
      },
    });
  });
  return { model, predictions, rejected, defaulted };
}

function groupBy(
  records: readonly ConsumedRecord<FeatureVector>[],
  models: (i: number) => readonly LoadedModel[],
): Map<LoadedModel, ConsumedRecord<FeatureVector>[]> {
  const groups = new Map<LoadedModel, ConsumedRecord<FeatureVector>[]>();
  records.forEach((r, i) => {
    for (const m of models(i)) {
      let g = groups.get(m);
      if (!g) groups.set(m, (g = []));
      g.push(r);
    }
  });
  return groups;
}

/**
 * Scores each record with the version its lease serves and with every shadow version of the
 * lease, one batcher request per version, so rows of all partitions scored meanwhile share runs.
 * `leases[i]` routes `records[i]`.
 */
export async function scoreRecords(
  score: BatchScore,
  records: readonly ConsumedRecord<FeatureVector>[],
  leases: readonly ModelLease[],
  now: () => number,
  onShadowError: (model: LoadedModel, err: unknown) => void = () => undefined,
): Promise<ScoredBatch> {
  const serving = groupBy(records, (i) => [leases[i]!.serving]);
  const shadows = groupBy(records, (i) => leases[i]!.shadows);
  // A shadow is an experiment: its failure must never hold back or fail the served predictions,
  // so it is reported and its predictions skipped, and the batch goes on.
  const shadowRuns = [...shadows].map(([m, g]) =>
    scoreGroup(score, m, g, now).catch((err: unknown) => {
      onShadowError(m, err);
      return undefined;
    }),
  );
  const [groups, shadowResults] = await Promise.all([
    Promise.all([...serving].map(([m, g]) => scoreGroup(score, m, g, now))),
    Promise.all(shadowRuns),
  ]);
  const shadow = shadowResults.filter((r): r is ModelPredictions => r !== undefined);
  const rejected = groups.flatMap((g) => g.rejected);
  const defaulted = new Map(groups.map((g) => [g.model, g.defaulted]));
  // Built field by field, not by spreading each prediction: this runs once per record.
  if (groups.length === 1) {
    const { model, predictions } = groups[0]!;
    return { serving: predictions.map((p) => ({ record: p.record, model, prediction: p.prediction })), rejected, shadow, defaulted };
  }
  const position = new Map(records.map((r, i) => [r, i]));
  const ordered: (ScoredRecord | undefined)[] = new Array<ScoredRecord | undefined>(records.length);
  for (const { model, predictions } of groups)
    for (const p of predictions) ordered[position.get(p.record)!] = { record: p.record, model, prediction: p.prediction };
  const published = rejected.length === 0 ? (ordered as ScoredRecord[]) : ordered.filter((s): s is ScoredRecord => s !== undefined);
  return { serving: published, rejected, shadow, defaulted };
}
