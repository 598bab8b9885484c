import { describe, expect, it } from 'vitest';
import type { FeatureVector, Prediction } from '@tidewater/schemas';
import { FeaturePredictionJoin } from './feature-prediction-join.js';

const t0 = Date.UTC(2025, 2, 1);

function vector(eventId: string, amount = 10): FeatureVector {
  return {
    event_id: eventId,
    entity_key: 'card-1',
    feature_set: 'payments',
    feature_set_version: '1',
    event_time: t0,
    ingested_at: t0,
    feature_time: t0,
    late: false,
    features: { amount },
  };
}

function prediction(eventId: string, score = 0.1): Prediction {
  return {
    event_id: eventId,
    entity_key: 'card-1',
    model_name: 'fraud-demo',
    model_version: '1',
    feature_set_version: '1',
    score,
    label: false,
    threshold: 0.16,
    event_time: t0,
    ingested_at: t0,
    feature_time: t0,
    predicted_at: t0,
    source: { topic: 'features', partition: 0, offset: 0 },
  };
}

/** A join whose evictions are recorded per side. */
function joinWithCapacity(capacity: number) {
  const evicted = { features: 0, prediction: 0 };
  const join = new FeaturePredictionJoin(capacity, (side) => {
    evicted[side]++;
  });
  return { join, evicted };
}

describe('FeaturePredictionJoin', () => {
  it('pairs a prediction with features that arrived first', () => {
    const { join } = joinWithCapacity(10);
    expect(join.addFeatures(vector('e1', 42))).toBeUndefined();
    expect(join.waiting).toBe(1);
    const p = prediction('e1', 0.7);
    expect(join.addPrediction(p)).toEqual({ features: { amount: 42 }, prediction: p });
    expect(join.waiting).toBe(0);
  });

  it('pairs features with a prediction that arrived first', () => {
    const { join } = joinWithCapacity(10);
    const p = prediction('e1', 0.3);
    expect(join.addPrediction(p)).toBeUndefined();
    expect(join.addFeatures(vector('e1', 7))).toEqual({ features: { amount: 7 }, prediction: p });
    expect(join.waiting).toBe(0);
  });

  it('pairs by event id, whatever the interleaving, and each event once', () => {
    const { join } = joinWithCapacity(10);
    join.addFeatures(vector('e1', 1));
    join.addPrediction(prediction('e2', 0.2));
    join.addFeatures(vector('e3', 3));
    expect(join.addFeatures(vector('e2', 2))?.prediction.score).toBe(0.2);
    expect(join.addPrediction(prediction('e3', 0.3))?.features).toEqual({ amount: 3 });
    expect(join.addPrediction(prediction('e1', 0.1))?.features).toEqual({ amount: 1 });
    expect(join.waiting).toBe(0);
    // Paired entries are gone: a redelivered prediction waits for features again.
    expect(join.addPrediction(prediction('e1', 0.1))).toBeUndefined();
    expect(join.waiting).toBe(1);
  });

  it('evicts the oldest waiting features past capacity and counts it on the features side', () => {
    const { join, evicted } = joinWithCapacity(2);
    join.addFeatures(vector('e1'));
    join.addFeatures(vector('e2'));
    expect(evicted).toEqual({ features: 0, prediction: 0 });
    join.addFeatures(vector('e3'));
    expect(evicted).toEqual({ features: 1, prediction: 0 });
    expect(join.waiting).toBe(2);
    // e1 was the one dropped: its prediction now waits instead of pairing.
    expect(join.addPrediction(prediction('e1'))).toBeUndefined();
    expect(join.addPrediction(prediction('e2'))).toBeDefined();
    expect(join.addPrediction(prediction('e3'))).toBeDefined();
  });

  it('evicts the oldest waiting prediction past capacity and counts it on the prediction side', () => {
    const { join, evicted } = joinWithCapacity(2);
    for (const id of ['p1', 'p2', 'p3', 'p4']) join.addPrediction(prediction(id));
    expect(evicted).toEqual({ features: 0, prediction: 2 });
    expect(join.waiting).toBe(2);
    expect(join.addFeatures(vector('p2'))).toBeUndefined();
    expect(join.addFeatures(vector('p3'))).toBeDefined();
    expect(join.addFeatures(vector('p4'))).toBeDefined();
  });

  it('bounds each side separately', () => {
    const { join, evicted } = joinWithCapacity(2);
    join.addFeatures(vector('f1'));
    join.addFeatures(vector('f2'));
    join.addPrediction(prediction('p1'));
    join.addPrediction(prediction('p2'));
    expect(join.waiting).toBe(4);
    expect(evicted).toEqual({ features: 0, prediction: 0 });
  });

  it('does not evict when a waiting entry is delivered again', () => {
    const { join, evicted } = joinWithCapacity(2);
    join.addFeatures(vector('e1', 1));
    join.addFeatures(vector('e2', 2));
    join.addFeatures(vector('e2', 2));
    expect(evicted).toEqual({ features: 0, prediction: 0 });
    expect(join.waiting).toBe(2);
  });
});
