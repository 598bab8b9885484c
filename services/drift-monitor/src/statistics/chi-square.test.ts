import { describe, expect, it } from 'vitest';
import { chiSquareTest } from './chi-square.js';
import { closeTo, loadStatFixtures, thrownCode } from '../../test/stat-fixtures.js';

const fixtures = loadStatFixtures();

describe('chiSquareTest against scipy.stats.chi2_contingency(correction=True)', () => {
  // The fixture script drops the categories empty in both rows before calling SciPy, as this does.
  for (const c of fixtures.chiSquare) {
    it(`reference=${JSON.stringify(c.reference)} current=${JSON.stringify(c.current)}`, () => {
      const actual = chiSquareTest(c.reference, c.current);
      expect(actual.dof).toBe(c.dof);
      expect(closeTo(actual.statistic, c.statistic, 1e-12, 1e-15), `X2 ${actual.statistic} vs ${c.statistic}`).toBe(true);
      expect(closeTo(actual.pValue, c.pvalue, 1e-9, 1e-12), `p ${actual.pValue} vs ${c.pvalue}`).toBe(true);
    });
  }

  it('drops categories absent from both rows and keeps one-sided ones', () => {
    const result = chiSquareTest([10, 0, 5, 0], [0, 0, 7, 8]);
    expect(result.keptCategories).toEqual([0, 2, 3]);
    expect(result.dof).toBe(2);
    expect(result.pValue).toBeLessThan(0.01);
  });

  it('applies Yates only with one degree of freedom', () => {
    // 2 x 2 table [[10, 20], [20, 10]]: expected 15 everywhere, corrected |O - E| = 4.5.
    expect(chiSquareTest([10, 20], [20, 10]).statistic).toBeCloseTo((4 * 4.5 ** 2) / 15, 12);
  });

  it('returns X2 = 0, p = 1, dof = 0 when only one category is seen', () => {
    expect(chiSquareTest([4, 0], [9, 0])).toEqual({ statistic: 0, pValue: 1, dof: 0, keptCategories: [0] });
  });

  it('rejects unusable tables with TW_DRIFT_ codes', () => {
    expect(thrownCode(() => chiSquareTest([], []))).toBe('TW_DRIFT_EMPTY_SAMPLE');
    expect(thrownCode(() => chiSquareTest([0, 0], [1, 2]))).toBe('TW_DRIFT_EMPTY_SAMPLE');
    expect(thrownCode(() => chiSquareTest([1, 2], [1]))).toBe('TW_DRIFT_LENGTH_MISMATCH');
    expect(thrownCode(() => chiSquareTest([1, -1], [1, 2]))).toBe('TW_DRIFT_NEGATIVE_COUNT');
    expect(thrownCode(() => chiSquareTest([1, Number.POSITIVE_INFINITY], [1, 2]))).toBe('TW_DRIFT_NON_FINITE_VALUE');
  });
});
