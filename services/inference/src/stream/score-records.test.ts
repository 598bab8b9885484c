import { ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '@tidewater/kafka';
import { repoRoot, type FeatureVector } from '@tidewater/schemas';
import { createRowWriter, loadOnnxModel, type LoadedModel } from '../model/index.js';
import type { ModelLease } from '../model-routing.js';
import { scoreRecords } from './score-records.js';
import { sampleFeatureVectors } from '../../test/sample-feature-vectors.js';

function consumed(values: FeatureVector[]): ConsumedRecord<FeatureVector>[] {
  return values.map((value, i) => ({
    topic: 'features',
    partition: 2,
    offset: String(100 + i),
    key: null,
    value,
    headers: {},
    message: { key: null, value: null, timestamp: '0', attributes: 0, offset: String(100 + i), headers: {} },
    span: trace.wrapSpanContext({ traceId: '0'.repeat(31) + '1', spanId: '0'.repeat(15) + '1', traceFlags: 0 }),
    context: ROOT_CONTEXT,
  }));
}

describe('scoreRecords', () => {
  let primary: LoadedModel;
  let canary: LoadedModel;
  let shadow: LoadedModel;
  beforeAll(async () => {
    const dir = `${repoRoot}models/fraud-demo/1`;
    [primary, canary, shadow] = await Promise.all([loadOnnxModel(dir), loadOnnxModel(dir), loadOnnxModel(dir)]);
  });
  afterAll(async () => {
    await Promise.all([primary.close(), canary.close(), shadow.close()]);
  });

  it('keeps record order across versions of a canary split, and scores shadows separately', async () => {
    const records = consumed(sampleFeatureVectors(40, { prefix: 'split' }));
    const lease = (serving: LoadedModel): ModelLease => ({ serving, shadows: [shadow], release: () => undefined });
    // Every third entity to the canary: the batch interleaves the two versions.
    const leases = records.map((_, i) => lease(i % 3 === 0 ? canary : primary));
    const runs: { model: LoadedModel; n: number }[] = [];
    const scored = await scoreRecords(
      (model, rows, n) => {
        runs.push({ model, n });
        return model.score(rows, n);
      },
      records,
      leases,
      () => 1234,
    );

    expect(scored.serving.map((s) => s.record.offset)).toEqual(records.map((r) => r.offset));
    expect(scored.serving.map((s) => s.model)).toEqual(leases.map((l) => l.serving));
    expect(scored.serving.every((s, i) => s.prediction.event_id === records[i]!.value.event_id)).toBe(true);
    // One request per version: 14 canary rows, 26 primary rows, 40 shadow rows.
    expect(runs.map((r) => [r.model === canary ? 'canary' : r.model === primary ? 'primary' : 'shadow', r.n]).sort()).toEqual([
      ['canary', 14],
      ['primary', 26],
      ['shadow', 40],
    ]);
    expect(scored.shadow).toHaveLength(1);
    expect(scored.shadow[0]!.predictions.map((p) => p.record.offset)).toEqual(records.map((r) => r.offset));
    // The same model file: a shadow's score equals the serving score, and lineage is filled in.
    scored.serving.forEach((s, i) => expect(scored.shadow[0]!.predictions[i]!.prediction.score).toBeCloseTo(s.prediction.score, 6));
    expect(scored.serving[5]!.prediction).toMatchObject({
      model_name: 'fraud-demo',
      model_version: '1',
      predicted_at: 1234,
      source: { topic: 'features', partition: 2, offset: 105 },
    });
  });

  it('never publishes a model output that is not a score: it is rejected with TW_MODEL_INVALID_SCORE (issue 20)', async () => {
    const records = consumed(sampleFeatureVectors(6, { prefix: 'nan' }));
    const leases = records.map((): ModelLease => ({ serving: primary, shadows: [shadow], release: () => undefined }));
    // The model answers NaN, Infinity and 1.5 for rows 1, 3 and 4, as a model fed what it never saw can.
    const bad = new Map([
      [1, Number.NaN],
      [3, Number.POSITIVE_INFINITY],
      [4, 1.5],
    ]);
    const scored = await scoreRecords(
      async (model, rows, n) => {
        const scores = await model.score(rows, n);
        for (const [i, v] of bad) scores[i] = v;
        return scores;
      },
      records,
      leases,
      () => 1,
    );
    expect(scored.serving.map((s) => s.record.offset)).toEqual(['100', '102', '105']);
    expect(scored.serving.every((s) => s.prediction.score >= 0 && s.prediction.score <= 1)).toBe(true);
    expect(scored.rejected.map((r) => [r.record.offset, (r.error as { code?: string }).code])).toEqual([
      ['101', 'TW_MODEL_INVALID_SCORE'],
      ['103', 'TW_MODEL_INVALID_SCORE'],
      ['104', 'TW_MODEL_INVALID_SCORE'],
    ]);
    expect(scored.shadow[0]!.predictions.map((p) => p.record.offset)).toEqual(['100', '102', '105']);
    expect(scored.shadow[0]!.rejected).toHaveLength(3);
  });

  it('scores overflowing features with the manifest default and counts them', async () => {
    const [v] = sampleFeatureVectors(1, { prefix: 'overflow' });
    const records = consumed([
      { ...v!, features: { ...v!.features, amount: 1e308, amount_sum_1h: Number.MAX_VALUE, amount_ratio_1h: null } },
    ]);
    const lease: ModelLease = { serving: primary, shadows: [], release: () => undefined };
    const scored = await scoreRecords(
      (model, rows, n) => model.score(rows, n),
      records,
      [lease],
      () => 1,
    );
    expect(scored.rejected).toEqual([]);
    expect(scored.defaulted.get(primary)).toBe(3);
    const score = scored.serving[0]!.prediction.score;
    expect(Number.isFinite(score) && score >= 0 && score <= 1).toBe(true);
  });

  it('dead-letters, unscored, a record with a non-finite feature when the manifest says nonFinite: dead-letter', async () => {
    const strict: LoadedModel = {
      ...primary,
      manifest: { ...primary.manifest, inputs: { ...primary.manifest.inputs, nonFinite: 'dead-letter' } },
      toRow: createRowWriter(primary.manifest.inputs.features, 'dead-letter'),
      score: (rows, n) => primary.score(rows, n),
    };
    const vectors = sampleFeatureVectors(4, { prefix: 'strict' });
    vectors[1] = { ...vectors[1]!, features: { ...vectors[1]!.features, amount_sum_1h: 1e308 } };
    const records = consumed(vectors);
    const runs: number[] = [];
    const scored = await scoreRecords(
      (model, rows, n) => {
        runs.push(n);
        return model.score(rows, n);
      },
      records,
      records.map((): ModelLease => ({ serving: strict, shadows: [], release: () => undefined })),
      () => 1,
    );
    expect(runs).toEqual([3]);
    expect(scored.serving.map((s) => s.record.offset)).toEqual(['100', '102', '103']);
    expect(scored.rejected.map((r) => [r.record.offset, (r.error as { code?: string }).code])).toEqual([
      ['101', 'TW_MODEL_NON_FINITE_INPUT'],
    ]);
    // The rows scored are the three others', not shifted: the same scores as the lenient model's.
    const lenient = await scoreRecords(
      (model, rows, n) => model.score(rows, n),
      consumed([vectors[0]!, vectors[2]!, vectors[3]!]),
      [0, 1, 2].map((): ModelLease => ({ serving: primary, shadows: [], release: () => undefined })),
      () => 1,
    );
    scored.serving.forEach((s, i) => expect(s.prediction.score).toBeCloseTo(lenient.serving[i]!.prediction.score, 6));
  });

  it('serves the batch when a shadow version fails, and reports the failure', async () => {
    const records = consumed(sampleFeatureVectors(10, { prefix: 'shadow-fail' }));
    const leases = records.map((): ModelLease => ({ serving: primary, shadows: [shadow], release: () => undefined }));
    const failures: LoadedModel[] = [];
    const scored = await scoreRecords(
      (model, rows, n) => (model === shadow ? Promise.reject(new Error('shadow session broke')) : model.score(rows, n)),
      records,
      leases,
      () => 1,
      (model) => failures.push(model),
    );
    expect(scored.serving.map((s) => s.prediction.event_id)).toEqual(records.map((r) => r.value.event_id));
    expect(scored.shadow).toEqual([]);
    expect(failures).toEqual([shadow]);
  });
});
