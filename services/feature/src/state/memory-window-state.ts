import type { FeatureSet } from '@tidewater/feature-set';
import { applyEvent, decodeState, encodeState, layoutOf } from './entity-state.js';
import type { WindowState } from './window-state.js';

/**
 * A WindowState in memory, for unit and property tests of whole pipelines: each entity's state is
 * kept as the bytes Redis would hold and goes through the same codec and the same applyEvent as
 * createWindowState, without Redis and without concurrent writers.
 */
export function createMemoryWindowState(featureSet: FeatureSet): WindowState {
  const layout = layoutOf(featureSet);
  const stored = new Map<string, Buffer>();
  return {
    applyBatch(events, alongside) {
      const results = events.map((e) => {
        const entity = e[featureSet.entity];
        const s = decodeState(featureSet, layout, stored.get(entity) ?? null);
        const result = applyEvent(featureSet, s, e);
        if (s.dirty) stored.set(entity, encodeState(featureSet, layout, s));
        return result;
      });
      // Asked for, as the contract says; there is no online store here to keep them in.
      alongside?.entries(
        results.map((_r, i) => i),
        results,
      );
      return Promise.resolve(results);
    },
  };
}
