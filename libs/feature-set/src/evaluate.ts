import { mapValueBuilder } from '@tidewater/schemas';
import type { EventState, StateEvent, WindowStats } from './window-types.js';
import type { AggregateFn, FeatureSet, FeatureSpec } from './definition.js';
import type { FeatureValue } from './expression.js';

/** The windows and entity history a vector is computed from (what the state store returns). */
export type FeatureInputs = Pick<EventState, 'previousEventTime' | 'windows'>;

function aggregate(fn: AggregateFn, of: string | undefined, w: WindowStats | undefined): FeatureValue {
  if (!w) return null;
  if (fn === 'count') return w.count;
  if (fn === 'distinct_count') return w.distinct[of as keyof WindowStats['distinct']] ?? null;
  const s = w.fields[of as keyof WindowStats['fields']];
  if (!s) return null;
  if (fn === 'sum') return s.sum;
  if (w.count === 0) return null;
  if (fn === 'min') return s.min;
  if (fn === 'max') return s.max;
  const mean = s.sum / w.count;
  if (fn === 'mean') return mean;
  // Population standard deviation; the clamp absorbs rounding that makes the variance a hair below 0.
  return Math.sqrt(Math.max(0, s.sumsq / w.count - mean * mean));
}

/** Told of a feature that came out NaN or ±Infinity and was set to null (not computed). */
export type OnNotComputed = (feature: string) => void;

/**
 * A feature's value, never NaN or ±Infinity: an aggregate over amounts near float64's limit overflows
 * (a sum of 1e308s, a sum of squares of 1e200) and a stddev of Infinity is NaN. Such a feature cannot be
 * computed, so it is null on the vector (the schema's "could not be computed") and the model applies its
 * manifest default, instead of a NaN score or a window that makes every later payment look like fraud
 * (issue 20).
 */
function value(
  f: FeatureSpec,
  e: StateEvent,
  inputs: FeatureInputs,
  lookup: (name: string) => FeatureValue,
  onNotComputed?: OnNotComputed,
): FeatureValue {
  const v = rawValue(f, e, inputs, lookup);
  if (typeof v === 'number' && !Number.isFinite(v)) {
    onNotComputed?.(f.name);
    return null;
  }
  return v;
}

function rawValue(f: FeatureSpec, e: StateEvent, inputs: FeatureInputs, lookup: (name: string) => FeatureValue): FeatureValue {
  switch (f.kind) {
    case 'field':
      return e[f.field];
    case 'expression':
      return f.expression.evaluate(lookup);
    case 'aggregate':
      return aggregate(f.fn, f.of, inputs.windows[f.window]);
    case 'seconds_since_last_event':
      // An out-of-order event is not after the newest one: 0, not a negative gap.
      return inputs.previousEventTime === null ? null : Math.max(0, e.occurred_at - inputs.previousEventTime) / 1000;
  }
}

/** What evaluating a feature set needs besides the event: computed once per set. */
interface EvaluationPlan {
  /** A feature's position in `featureSet.features`, by name (what expressions look up). */
  readonly position: ReadonlyMap<string, number>;
  /** The output features' positions, in output order. */
  readonly outputs: readonly number[];
  /**
   * The output features' object from their values: an object literal, so every vector's features
   * get one hidden class. Built by assignment, 23 features left V8 a hash table ("dictionary
   * mode"), slower to fill, to encode to Avro and to walk (measured in docs/benchmarks/feature.md).
   */
  readonly build: (values: FeatureValue[]) => Record<string, FeatureValue>;
}

const plans = new WeakMap<FeatureSet, EvaluationPlan>();

function planOf(featureSet: FeatureSet): EvaluationPlan {
  let plan = plans.get(featureSet);
  if (plan) return plan;
  const position = new Map(featureSet.features.map((f, i) => [f.name, i]));
  // Names are unique lower snake case (definition.ts), never `__proto__`: the builder always exists.
  const build = mapValueBuilder(featureSet.outputNames)!;
  plan = { position, outputs: featureSet.outputNames.map((name) => position.get(name)!), build: build as EvaluationPlan['build'] };
  plans.set(featureSet, plan);
  return plan;
}

/**
 * Computes a feature set's output features for one event from its window inputs, in definition
 * order (each feature reads only features defined above it). With `only`, computes just those
 * features and what they depend on, and returns just those (in an object filled key by key: the
 * literal with one hidden class is for whole vectors, the stream's hot path). A feature that comes out
 * NaN or ±Infinity is null, and `onNotComputed` is told its name.
 */
export function evaluateFeatures(
  featureSet: FeatureSet,
  e: StateEvent,
  inputs: FeatureInputs,
  only?: readonly string[],
  onNotComputed?: OnNotComputed,
): Record<string, FeatureValue> {
  const plan = planOf(featureSet);
  const features = featureSet.features;
  // By position; a feature not computed (yet, or not needed) reads as null.
  const values: FeatureValue[] = new Array<FeatureValue>(features.length);
  const lookup = (name: string) => {
    const i = plan.position.get(name);
    return i === undefined ? null : (values[i] ?? null);
  };
  const needed = only ? dependencyClosure(featureSet, only) : undefined;
  for (let i = 0; i < features.length; i++) {
    const f = features[i]!;
    if (needed && !needed.has(f.name)) continue;
    values[i] = value(f, e, inputs, lookup, onNotComputed);
  }
  if (!only) return plan.build(plan.outputs.map((i) => values[i] ?? null));
  const out: Record<string, FeatureValue> = {};
  for (const name of only) out[name] = lookup(name);
  return out;
}

const closures = new WeakMap<FeatureSet, Map<string, Set<string>>>();

/** The named features and everything their expressions read, transitively (cached per set). */
function dependencyClosure(featureSet: FeatureSet, names: readonly string[]): Set<string> {
  const cacheKey = names.join(',');
  const cache = closures.get(featureSet) ?? closures.set(featureSet, new Map()).get(featureSet)!;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  const byName = new Map(featureSet.features.map((f) => [f.name, f]));
  const needed = new Set<string>();
  const visit = (name: string) => {
    if (needed.has(name)) return;
    needed.add(name);
    const f = byName.get(name);
    if (f?.kind === 'expression') f.expression.references.forEach(visit);
  };
  names.forEach(visit);
  cache.set(cacheKey, needed);
  return needed;
}
