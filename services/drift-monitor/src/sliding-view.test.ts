import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelManifest } from '@tidewater/model-manifest';
import { repoRoot } from '@tidewater/schemas';
import { referenceTraffic } from '../test/reference-traffic.js';
import { mergeWindows } from './sliding-view.js';
import { addEvent, compileProfile, emptyWindow } from './window-accumulator.js';

const manifest = readModelManifest(join(repoRoot, 'models', 'fraud-demo', '1'));
const compiled = compileProfile(manifest);

function windowOf(values: readonly number[], start: number) {
  const w = emptyWindow(manifest, start, start + 10, start);
  const [e] = referenceTraffic(manifest, { n: 1, seed: 2, idPrefix: 'sv' });
  for (const v of values)
    addEvent(w, compiled, { ...e!.vector.features, amount: v }, e!.prediction, { sampleSize: 100, maxCategories: 20 });
  return w;
}

describe('mergeWindows', () => {
  it('adds counts and takes each reservoir by its share of the values', () => {
    const a = windowOf(
      Array.from({ length: 900 }, () => 1),
      0,
    );
    const b = windowOf(
      Array.from({ length: 300 }, () => 2),
      50,
    );
    const m = mergeWindows([a, b], 100);
    expect(m.n).toBe(1200);
    expect([m.start, m.end]).toEqual([0, 60]);
    expect(m.numeric['amount']!.counts.reduce((x, y) => x + y, 0)).toBe(1200);
    expect(m.numeric['amount']!.seen).toBe(1200);
    const sample = m.numeric['amount']!.sample;
    expect(sample).toHaveLength(100);
    expect(sample.filter((v) => v === 1)).toHaveLength(75);
    expect(m.score.sample).toHaveLength(100);
    expect(m.categorical['country']!.counts).toEqual(
      Object.fromEntries(
        Object.entries(a.categorical['country']!.counts).map(([k, c]) => [k, c + (b.categorical['country']!.counts[k] ?? 0)]),
      ),
    );
    // The inputs are not changed.
    expect(a.n).toBe(900);
    expect(a.numeric['amount']!.sample.every((v) => v === 1)).toBe(true);
  });
});
