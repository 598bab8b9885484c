import { describe, expect, it } from 'vitest';
import { jensenShannonDistance } from './jensen-shannon.js';
import { closeTo, loadStatFixtures, thrownCode } from '../../test/stat-fixtures.js';

const fixtures = loadStatFixtures();

describe('jensenShannonDistance against scipy.spatial.distance.jensenshannon(p, q, base=2)', () => {
  for (const c of fixtures.jensenShannon) {
    it(`p=${JSON.stringify(c.p)} q=${JSON.stringify(c.q)}`, () => {
      const actual = jensenShannonDistance(c.p, c.q);
      // 1e-12 relative; identical histograms are exactly 0 in both.
      expect(closeTo(actual, c.distance, 1e-12, 1e-15), `${actual} vs ${c.distance}`).toBe(true);
    });
  }

  it('is 1 for disjoint histograms, 0 for proportional ones, and symmetric', () => {
    expect(jensenShannonDistance([3, 0, 0], [0, 0, 5])).toBe(1);
    expect(jensenShannonDistance([1, 2, 3], [10, 20, 30])).toBeCloseTo(0, 15);
    expect(jensenShannonDistance([1, 5, 2], [4, 0, 1])).toBe(jensenShannonDistance([4, 0, 1], [1, 5, 2]));
  });

  it('rejects unusable histograms with TW_DRIFT_ codes', () => {
    expect(thrownCode(() => jensenShannonDistance([], []))).toBe('TW_DRIFT_EMPTY_SAMPLE');
    expect(thrownCode(() => jensenShannonDistance([0, 0], [1, 2]))).toBe('TW_DRIFT_EMPTY_SAMPLE');
    expect(thrownCode(() => jensenShannonDistance([1, 2], [1, 2, 3]))).toBe('TW_DRIFT_LENGTH_MISMATCH');
    expect(thrownCode(() => jensenShannonDistance([1, -2], [1, 2]))).toBe('TW_DRIFT_NEGATIVE_COUNT');
    expect(thrownCode(() => jensenShannonDistance([1, Number.NaN], [1, 2]))).toBe('TW_DRIFT_NON_FINITE_VALUE');
  });
});
