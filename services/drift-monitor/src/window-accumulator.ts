import { referenceBinIndex, type ModelManifest } from '@tidewater/model-manifest';
import type { FeatureVector, Prediction } from '@tidewater/schemas';

/** Bounds of what one window keeps, whatever its number of events. */
export interface AccumulatorLimits {
  /** Values kept per numeric feature (and for the score) by reservoir sampling, for KS and Wasserstein. */
  readonly sampleSize: number;
  /** Distinct categories counted per categorical feature; further ones are pooled in `overflow`. */
  readonly maxCategories: number;
}

/** A bounded uniform sample of a stream (reservoir, Algorithm L): `next` is the count at which the next value enters. */
interface Reservoir {
  sample: number[];
  seen: number;
  next: number;
  w: number;
}

interface NumericState extends Reservoir {
  counts: number[];
  missing: number;
  outOfRange: number;
}

interface CategoricalState {
  counts: Record<string, number>;
  missing: number;
  overflow: number;
}

/**
 * Everything one window has accumulated, as plain JSON so it can be written to Redis and read back
 * after a restart. Size is O(features x (bins + sampleSize)) and O(maxCategories) per categorical
 * feature, independent of the number of events.
 */
export interface WindowState {
  /** Event-time bounds [start, end) of a time window; for a count window, first and last event time. */
  start: number;
  end: number;
  /** Events (feature vector + prediction pairs) in the window. */
  n: number;
  numeric: Record<string, NumericState>;
  categorical: Record<string, CategoricalState>;
  score: Reservoir & { counts: number[]; sum: number; positives: number };
  /** feature_time - event_time, summed and maximal: how fresh features were when computed. */
  freshnessSumMs: number;
  freshnessMaxMs: number;
  /** Dead letters of the ingestion DLQ seen while the window was open. */
  deadLetters: number;
  /** State of the reservoir sampler's PRNG, so a restored window samples on deterministically. */
  rng: number;
}

/** An empty window for `manifest`, spanning [start, end) in event time. */
export function emptyWindow(manifest: ModelManifest, start: number, end: number, seed: number): WindowState {
  const profile = manifest.referenceProfile;
  return {
    start,
    end,
    n: 0,
    numeric: Object.fromEntries(
      Object.entries(profile.features).map(([name, p]) => [
        name,
        { counts: new Array<number>(p.binEdges.length + 1).fill(0), missing: 0, outOfRange: 0, seen: 0, sample: [], next: 0, w: 0 },
      ]),
    ),
    categorical: Object.fromEntries(Object.keys(profile.categorical ?? {}).map((name) => [name, { counts: {}, missing: 0, overflow: 0 }])),
    score: {
      counts: new Array<number>(profile.score.binEdges.length + 1).fill(0),
      seen: 0,
      sample: [],
      next: 0,
      w: 0,
      sum: 0,
      positives: 0,
    },
    freshnessSumMs: 0,
    freshnessMaxMs: 0,
    deadLetters: 0,
    rng: seed >>> 0,
  };
}

/**
 * mulberry32 over an explicit 32-bit state: `holder.rng` is advanced and a value in [0, 1)
 * returned. The state lives in plain JSON (WindowState.rng, persisted in Redis), so a restored
 * window samples on exactly as it would have.
 */
export function nextRandom(holder: { rng: number }): number {
  holder.rng = (holder.rng + 0x6d2b79f5) >>> 0;
  let t = holder.rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

// In (0, 1]: safe under log.
const unitOpen = (w: WindowState): number => 1 - nextRandom(w);

// Li's Algorithm L: once the sample is full, draws only O(size * log(seen / size)) random numbers
// (a skip length per accepted value) instead of one per value, and every value is still in the
// sample with probability size / seen.
function skip(w: WindowState, r: Reservoir): void {
  r.next = r.seen + Math.floor(Math.log(unitOpen(w)) / Math.log(1 - r.w)) + 1;
}

function reservoirAdd(w: WindowState, r: Reservoir, value: number, size: number): void {
  r.seen++;
  if (r.sample.length < size) {
    r.sample.push(value);
    if (r.sample.length === size) {
      r.w = Math.exp(Math.log(unitOpen(w)) / size);
      skip(w, r);
    }
    return;
  }
  if (r.seen < r.next) return;
  r.sample[Math.floor(nextRandom(w) * size)] = value;
  r.w *= Math.exp(Math.log(unitOpen(w)) / size);
  skip(w, r);
}

/** Per-manifest lookups compiled once: bin edges, training range and whether to sample, per numeric feature. */
export interface CompiledProfile {
  readonly numeric: readonly {
    readonly name: string;
    readonly edges: readonly number[];
    readonly min: number;
    readonly max: number;
    readonly sample: boolean;
  }[];
  /** Per categorical feature, the categories training saw: always counted, never pooled. */
  readonly categorical: readonly { readonly name: string; readonly known: ReadonlySet<string> }[];
  readonly scoreEdges: readonly number[];
  readonly sampleScore: boolean;
}

/**
 * Compiles `manifest`'s profile for `addEvent`; values outside an input's min/max count as out of
 * range. `needsSample(name)` says which features (and `score`) keep a reservoir: only the
 * sample-based tests (KS, Wasserstein) read it, so with the PSI defaults none is kept. Without it,
 * every numeric feature and the score are sampled.
 */
export function compileProfile(manifest: ModelManifest, needsSample: (name: string) => boolean = () => true): CompiledProfile {
  const ranges = new Map(manifest.inputs.features.map((f) => [f.name, f]));
  return {
    numeric: Object.entries(manifest.referenceProfile.features).map(([name, p]) => ({
      name,
      edges: p.binEdges,
      min: ranges.get(name)?.min ?? Number.NEGATIVE_INFINITY,
      max: ranges.get(name)?.max ?? Number.POSITIVE_INFINITY,
      sample: needsSample(name),
    })),
    categorical: Object.entries(manifest.referenceProfile.categorical ?? {}).map(([name, p]) => ({
      name,
      known: new Set(Object.keys(p.frequencies)),
    })),
    scoreEdges: manifest.referenceProfile.score.binEdges,
    sampleScore: needsSample('score'),
  };
}

/**
 * Adds `by` to category `key`'s count. Categories are free strings from the stream: `s.counts[v]`
 * alone would read Object.prototype for "constructor" or "toString" (and assigning "__proto__"
 * would change the prototype), so only own properties are read and new ones are defined.
 */
export function addCategoryCount(counts: Record<string, number>, key: string, by: number): void {
  if (Object.hasOwn(counts, key)) counts[key] = (counts[key] as number) + by;
  else Object.defineProperty(counts, key, { value: by, writable: true, enumerable: true, configurable: true });
}

/** Adds one joined event (its features and its prediction) to the window. */
export function addEvent(
  w: WindowState,
  profile: CompiledProfile,
  features: FeatureVector['features'],
  prediction: Prediction,
  limits: AccumulatorLimits,
): void {
  w.n++;
  for (const f of profile.numeric) {
    const s = w.numeric[f.name] as NumericState;
    const v = features[f.name];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      s.missing++;
      continue;
    }
    (s.counts[referenceBinIndex(f.edges, v)] as number)++;
    if (v < f.min || v > f.max) s.outOfRange++;
    if (f.sample) reservoirAdd(w, s, v, limits.sampleSize);
    else s.seen++;
  }
  for (const { name, known } of profile.categorical) {
    const s = w.categorical[name] as CategoricalState;
    const v = features[name];
    if (typeof v !== 'string' || v === '') {
      s.missing++;
      continue;
    }
    if (Object.hasOwn(s.counts, v)) addCategoryCount(s.counts, v, 1);
    // A training category is always counted on its own (at most maxCategories + the reference's
    // categories in all): pooled with unseen ones it would read as change that did not happen.
    else if (known.has(v) || Object.keys(s.counts).length < limits.maxCategories) addCategoryCount(s.counts, v, 1);
    else s.overflow++;
  }
  const sc = w.score;
  (sc.counts[referenceBinIndex(profile.scoreEdges, prediction.score)] as number)++;
  sc.sum += prediction.score;
  if (prediction.label) sc.positives++;
  if (profile.sampleScore) reservoirAdd(w, sc, prediction.score, limits.sampleSize);
  else sc.seen++;
  const fresh = Math.max(0, prediction.feature_time - prediction.event_time);
  w.freshnessSumMs += fresh;
  w.freshnessMaxMs = Math.max(w.freshnessMaxMs, fresh);
}
