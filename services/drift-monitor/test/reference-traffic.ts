import { ROOT_CONTEXT } from '@opentelemetry/api';
import type { ModelManifest } from '@tidewater/model-manifest';
import { createRandom } from '@tidewater/payment-simulator';
import type { FeatureVector, Prediction } from '@tidewater/schemas';
import type { DriftRecord } from '../src/drift-processor.js';

/** How generated traffic departs from the reference profile. */
export interface TrafficShift {
  /** Adds `by` reference standard deviations to one numeric feature. */
  readonly moveFeature?: { readonly name: string; readonly by: number };
  /** Replaces a share of one categorical feature's values with a category training never saw. */
  readonly newCategory?: { readonly name: string; readonly value: string; readonly share: number };
  /** Adds this to every score (clamped to [0, 1]). */
  readonly scoreAdd?: number;
  /** Leaves this feature out of every vector. */
  readonly dropFeature?: string;
}

/** One event's feature vector and prediction, drawn from the manifest's reference samples and frequencies. */
export interface TrafficEvent {
  readonly vector: FeatureVector;
  readonly prediction: Prediction;
}

/**
 * `n` events that look like the training data (numeric values and scores drawn from the reference
 * samples, categories from the reference frequencies), shifted as `shift` says; event times
 * `firstTime`, `firstTime + stepMs`, ...
 */
export function referenceTraffic(
  manifest: ModelManifest,
  opts: { n: number; seed: number; idPrefix: string; firstTime?: number; stepMs?: number; shift?: TrafficShift },
): TrafficEvent[] {
  const rnd = createRandom(opts.seed);
  const profile = manifest.referenceProfile;
  const pick = (sample: readonly number[]): number => sample[rnd.int(0, sample.length)] as number;
  const out: TrafficEvent[] = [];
  for (let i = 0; i < opts.n; i++) {
    const features: Record<string, number | string> = {};
    for (const [name, p] of Object.entries(profile.features)) {
      let v = pick(p.sample ?? [p.mean]);
      if (opts.shift?.moveFeature?.name === name) v += opts.shift.moveFeature.by * p.std;
      features[name] = v;
    }
    for (const [name, p] of Object.entries(profile.categorical ?? {})) {
      const cats = Object.keys(p.frequencies);
      let v = cats[rnd.weighted(cats.map((c) => p.frequencies[c] as number))] as string;
      const nc = opts.shift?.newCategory;
      if (nc?.name === name && rnd.chance(nc.share)) v = nc.value;
      features[name] = v;
    }
    if (opts.shift?.dropFeature) delete features[opts.shift.dropFeature];
    const score = Math.min(1, Math.max(0, pick(profile.score.sample ?? [profile.score.mean]) + (opts.shift?.scoreAdd ?? 0)));
    const t = (opts.firstTime ?? Date.UTC(2026, 0, 1)) + i * (opts.stepMs ?? 1000);
    const event_id = `${opts.idPrefix}-${i}`;
    out.push({
      vector: {
        event_id,
        entity_key: `card-${i % 50}`,
        feature_set: 'payments',
        feature_set_version: '1',
        event_time: t,
        ingested_at: t + 5,
        feature_time: t + 20,
        late: false,
        features,
      },
      prediction: {
        event_id,
        entity_key: `card-${i % 50}`,
        model_name: manifest.name,
        model_version: manifest.version,
        feature_set_version: '1',
        score,
        label: score >= manifest.outputs.threshold,
        threshold: manifest.outputs.threshold,
        event_time: t,
        ingested_at: t + 5,
        feature_time: t + 20,
        predicted_at: t + 30,
        source: { topic: 'features', partition: 0, offset: i },
      },
    });
  }
  return out;
}

/** The events as consumed records: features then prediction per event, offsets from `firstOffset`. */
export function asRecords(events: readonly TrafficEvent[], firstOffset: number): DriftRecord[] {
  return events.flatMap((e, i) => {
    const offset = String(firstOffset + i);
    return [
      { topic: 'features', partition: 0, offset, value: { kind: 'features', value: e.vector }, context: ROOT_CONTEXT },
      { topic: 'predictions', partition: 0, offset, value: { kind: 'prediction', value: e.prediction }, context: ROOT_CONTEXT },
    ];
  });
}
