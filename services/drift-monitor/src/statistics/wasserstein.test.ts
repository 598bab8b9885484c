import { describe, expect, it } from 'vitest';
import { closeTo, loadStatFixtures, thrownCode } from '../../test/stat-fixtures.js';
import { normalizedWasserstein, populationStd, wassersteinDistance } from './wasserstein.js';

const fixtures = loadStatFixtures();

describe('wassersteinDistance against scipy.stats.wasserstein_distance', () => {
  for (const pair of fixtures.samplePairs) {
    it(pair.name, () => {
      const actual = wassersteinDistance(pair.a, pair.b);
      // numpy sums pairwise, this sums in order: 1e-12 relative (exact 0 for identical samples).
      expect(closeTo(actual, pair.wasserstein, 1e-12), `${actual} vs ${pair.wasserstein}`).toBe(true);
      expect(closeTo(populationStd(pair.a), pair.referenceStd, 1e-12, 1e-15)).toBe(true);
      if (pair.referenceStd > 0) {
        expect(closeTo(normalizedWasserstein(pair.a, pair.b), pair.wasserstein / pair.referenceStd, 1e-12)).toBe(true);
      }
    });
  }

  it('is the shift between two samples that differ by a constant', () => {
    expect(wassersteinDistance([0, 1, 3], [5, 6, 8])).toBe(5);
    expect(normalizedWasserstein([0, 2], [1, 3])).toBe(1);
  });

  it('normalizes a constant reference to 0 when nothing moved and to Infinity otherwise', () => {
    expect(normalizedWasserstein([2, 2, 2], [2, 2])).toBe(0);
    expect(normalizedWasserstein([2, 2, 2], [2, 3])).toBe(Number.POSITIVE_INFINITY);
  });

  it('rejects empty and non-finite samples', () => {
    expect(thrownCode(() => wassersteinDistance([], [1]))).toBe('TW_DRIFT_EMPTY_SAMPLE');
    expect(thrownCode(() => normalizedWasserstein([1], []))).toBe('TW_DRIFT_EMPTY_SAMPLE');
    expect(thrownCode(() => wassersteinDistance([1, Number.NEGATIVE_INFINITY], [1]))).toBe('TW_DRIFT_NON_FINITE_VALUE');
  });
});
