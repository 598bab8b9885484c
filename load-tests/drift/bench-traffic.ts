import { parseModelManifest, readModelManifest, type ModelManifest } from '@tidewater/model-manifest';
import { createRandom } from '@tidewater/payment-simulator';
import { repoRoot, type FeatureVector, type Prediction } from '@tidewater/schemas';

/** Extra numeric features, so a vector has 20: the demo model's 8 inputs, these 9, and 3 categorical. */
export const EXTRA_FEATURES = 9;

/**
 * The demo manifest widened to 20 monitored features: 9 extra numeric ones (each profiled like one
 * of the real inputs) and the 3 categorical ones. Only drift-monitor reads it; no model scores it.
 */
export function benchManifest(): ModelManifest {
  const demo = readModelManifest(`${repoRoot}models/fraud-demo/1`);
  const real = demo.inputs.features;
  const extra = Array.from({ length: EXTRA_FEATURES }, (_, i) => ({
    ...(real[i % real.length] as (typeof real)[number]),
    name: `extra_${i + 1}`,
  }));
  const profiles = { ...demo.referenceProfile.features };
  extra.forEach((f, i) => {
    profiles[f.name] = demo.referenceProfile.features[(real[i % real.length] as (typeof real)[number]).name]!;
  });
  const { coefficients: _c, ...training } = demo.training;
  return parseModelManifest(
    {
      ...demo,
      inputs: { ...demo.inputs, features: [...real, ...extra] },
      training,
      referenceProfile: { ...demo.referenceProfile, features: profiles },
    },
    'bench manifest',
  );
}

/** A pool of distinct feature maps and scores drawn from the reference profile; events cycle through it. */
export function trafficPool(manifest: ModelManifest, size: number, seed: number) {
  const rnd = createRandom(seed);
  const profile = manifest.referenceProfile;
  const pick = (s: readonly number[]): number => s[rnd.int(0, s.length)] as number;
  return Array.from({ length: size }, () => {
    const features: Record<string, number | string> = {};
    for (const [name, p] of Object.entries(profile.features)) features[name] = pick(p.sample ?? [p.mean]);
    for (const [name, p] of Object.entries(profile.categorical ?? {})) {
      const cats = Object.keys(p.frequencies);
      features[name] = cats[rnd.weighted(cats.map((c) => p.frequencies[c] as number))] as string;
    }
    return { features, score: pick(profile.score.sample ?? [profile.score.mean]) };
  });
}

/** Event `i`'s feature vector and prediction; times advance 10 ms per event. */
export function eventAt(
  manifest: ModelManifest,
  pool: ReturnType<typeof trafficPool>,
  i: number,
): { vector: FeatureVector; prediction: Prediction } {
  const p = pool[i % pool.length]!;
  const t = 1_767_225_600_000 + i * 10;
  const event_id = `b-${i}`;
  return {
    vector: {
      event_id,
      entity_key: 'c',
      feature_set: 'payments',
      feature_set_version: '1',
      event_time: t,
      ingested_at: t,
      feature_time: t + 3,
      late: false,
      features: p.features,
    },
    prediction: {
      event_id,
      entity_key: 'c',
      model_name: manifest.name,
      model_version: manifest.version,
      feature_set_version: '1',
      score: p.score,
      label: p.score >= manifest.outputs.threshold,
      threshold: manifest.outputs.threshold,
      event_time: t,
      ingested_at: t,
      feature_time: t + 3,
      predicted_at: t + 5,
      source: { topic: 'features', partition: 0, offset: i },
    },
  };
}
