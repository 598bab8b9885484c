import type { EventState, StateEvent, WindowStats } from '../state/window-state.js';
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

function value(f: FeatureSpec, e: StateEvent, inputs: FeatureInputs, lookup: (name: string) => FeatureValue): FeatureValue {
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

/**
 * Computes a feature set's output features for one event from its window inputs, in definition
 * order (each feature reads only features defined above it). With `only`, computes just those
 * features and what they depend on, and returns just those.
 */
export function evaluateFeatures(
  featureSet: FeatureSet,
  e: StateEvent,
  inputs: FeatureInputs,
  only?: readonly string[],
): Record<string, FeatureValue> {
  const values = new Map<string, FeatureValue>();
  const lookup = (name: string) => values.get(name) ?? null;
  const needed = only ? dependencyClosure(featureSet, only) : undefined;
  for (const f of featureSet.features) {
    if (needed && !needed.has(f.name)) continue;
    values.set(f.name, value(f, e, inputs, lookup));
  }
  const out: Record<string, FeatureValue> = {};
  for (const name of only ?? featureSet.outputNames) out[name] = values.get(name) ?? null;
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
