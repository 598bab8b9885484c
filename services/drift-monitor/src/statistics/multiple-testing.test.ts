import { describe, expect, it } from 'vitest';
import { benjaminiHochbergAdjust, bonferroniAdjust } from './multiple-testing.js';
import { closeTo, loadStatFixtures, thrownCode } from '../../test/stat-fixtures.js';

const fixtures = loadStatFixtures();

function allClose(actual: readonly number[], expected: readonly number[]): boolean {
  return actual.length === expected.length && actual.every((v, i) => closeTo(v, expected[i] ?? Number.NaN, 1e-12, 1e-300));
}

describe('multiple-testing corrections', () => {
  it('match hand-computed Bonferroni and Benjamini-Hochberg values', () => {
    const p = [0.01, 0.04, 0.03, 0.5];
    expect(bonferroniAdjust(p)).toEqual([0.04, 0.16, 0.12, 1]);
    // Sorted 0.01, 0.03, 0.04, 0.5 -> 4/1*0.01, 4/2*0.03, 4/3*0.04, 4/4*0.5 = 0.04, 0.06, 0.0533.., 0.5;
    // then the running minimum from the top makes rank 2 equal 0.0533...
    const bh = benjaminiHochbergAdjust(p);
    expect(bh[0]).toBeCloseTo(0.04, 15);
    expect(bh[1]).toBeCloseTo(0.16 / 3, 15);
    expect(bh[2]).toBeCloseTo(0.16 / 3, 15);
    expect(bh[3]).toBe(0.5);
  });

  for (const c of fixtures.multipleTesting) {
    it(`match the fixture script's statsmodels algorithm for m=${c.p.length}`, () => {
      expect(allClose(bonferroniAdjust(c.p), c.bonferroni)).toBe(true);
      expect(allClose(benjaminiHochbergAdjust(c.p), c.bh)).toBe(true);
    });
  }

  it('caps at 1, accepts an empty list, and rejects bad p-values', () => {
    expect(bonferroniAdjust([0.6, 0.7])).toEqual([1, 1]);
    expect(benjaminiHochbergAdjust([0.9, 0.95, 1])).toEqual([1, 1, 1]);
    expect(benjaminiHochbergAdjust([])).toEqual([]);
    expect(thrownCode(() => bonferroniAdjust([0.1, 1.2]))).toBe('TW_DRIFT_INVALID_P_VALUE');
    expect(thrownCode(() => benjaminiHochbergAdjust([-0.1]))).toBe('TW_DRIFT_INVALID_P_VALUE');
    expect(thrownCode(() => benjaminiHochbergAdjust([Number.NaN]))).toBe('TW_DRIFT_NON_FINITE_VALUE');
  });
});
