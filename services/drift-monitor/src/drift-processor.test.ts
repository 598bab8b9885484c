import { join } from 'node:path';
import { ROOT_CONTEXT } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { readModelManifest } from '@tidewater/model-manifest';
import { createRandom, type Random } from '@tidewater/payment-simulator';
import { repoRoot, type FeatureVector, type Prediction } from '@tidewater/schemas';
import { createDriftProcessor, type DriftRecord } from './drift-processor.js';

const manifest = readModelManifest(join(repoRoot, 'models', 'fraud-demo', '1'));

function draw(rnd: Random, p: { binEdges: readonly number[]; shares: readonly number[] }): number {
  const i = rnd.weighted(p.shares);
  return i < p.binEdges.length ? p.binEdges[i]! : p.binEdges[p.binEdges.length - 1]! + 1;
}

/**
 * Feature and prediction records for `n` events drawn from the reference profile; with `amountFactor`
 * the amounts are scaled and the model scores them high, as a shifted population would be.
 */
function events(n: number, seed: number, firstOffset: number, amountFactor = 1): DriftRecord[] {
  const rnd = createRandom(seed);
  const out: DriftRecord[] = [];
  for (let i = 0; i < n; i++) {
    const features: Record<string, number> = {};
    for (const [name, profile] of Object.entries(manifest.referenceProfile.features)) features[name] = draw(rnd, profile);
    features['amount'] = features['amount']! * amountFactor;
    features['log_amount'] = Math.log1p(features['amount']);
    features['amount_sum_1h'] = features['amount_sum_1h']! * amountFactor;
    const event_id = `e-${seed}-${i}`;
    const vector: FeatureVector = {
      event_id,
      entity_key: 'c',
      feature_set: 'payments',
      feature_set_version: '1',
      event_time: i,
      ingested_at: i,
      feature_time: i,
      late: false,
      features,
    };
    const score = amountFactor === 1 ? draw(rnd, manifest.referenceProfile.score) : 0.9;
    const prediction: Prediction = {
      event_id,
      entity_key: 'c',
      model_name: manifest.name,
      model_version: manifest.version,
      feature_set_version: '1',
      score,
      label: score >= manifest.outputs.threshold,
      threshold: manifest.outputs.threshold,
      event_time: i,
      ingested_at: i,
      feature_time: i,
      predicted_at: i,
      source: { topic: 'features', partition: 0, offset: i },
    };
    const offset = String(firstOffset + i);
    out.push({ topic: 'features', partition: 0, offset, value: { kind: 'features', value: vector }, context: ROOT_CONTEXT });
    out.push({ topic: 'predictions', partition: 0, offset, value: { kind: 'prediction', value: prediction }, context: ROOT_CONTEXT });
  }
  return out;
}

function processor() {
  return createDriftProcessor({
    manifest,
    windowSize: 400,
    psiThreshold: 0.2,
    joinCapacity: 10_000,
    runbookBaseUrl: 'https://runbooks.example',
    now: () => 1000,
  });
}

describe('drift processor', () => {
  it('changes its windows once per record however often a batch is retried', () => {
    const p = processor();
    const batch = events(400, 1, 0);
    p.apply(batch);
    p.apply(batch); // the send failed; the runner retries the same batch
    expect(p.pending().reports).toHaveLength(1);
    expect(p.pending().reports[0]!.report.sample_size).toBe(400);
  });

  it('keeps reports and alerts pending until Kafka acknowledged them', () => {
    const p = processor();
    p.apply(events(400, 2, 0, 50));
    expect(p.pending().alerts.map((a) => a.alert.status)).toEqual(['firing']);
    p.apply([]); // a retry with nothing new still has them to send
    expect(p.pending().alerts).toHaveLength(1);
    p.acknowledge();
    expect(p.pending()).toEqual({ reports: [], alerts: [] });
  });

  it('fires on a drifted window and resolves on the next clean one', () => {
    const p = processor();
    p.apply(events(400, 3, 0));
    p.apply(events(400, 4, 400, 50));
    p.apply(events(400, 5, 800));
    const out = p.pending();
    expect(out.reports.map((r) => r.report.drifted)).toEqual([false, true, false]);
    expect(out.alerts.map((a) => a.alert.status)).toEqual(['firing', 'resolved']);
    const drifted = out.reports[1]!.report.features.filter((f) => f.drifted).map((f) => f.feature);
    expect(drifted).toEqual(expect.arrayContaining(['amount', 'log_amount']));
  });
});
