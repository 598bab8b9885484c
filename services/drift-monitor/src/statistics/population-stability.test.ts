import { describe, expect, it } from 'vitest';
import { populationStabilityIndex, psiEpsilon } from './population-stability.js';
import { closeTo, loadStatFixtures } from '../../test/stat-fixtures.js';

const fixtures = loadStatFixtures();

describe('populationStabilityIndex against numpy (make_stat_fixtures.py)', () => {
  // Random shares and multinomial counts from 1 to 1000 values, plus empty bins on either side,
  // a share below the epsilon, a single bin and a single value.
  for (const c of fixtures.psi) {
    it(c.name, () => {
      const actual = populationStabilityIndex(c.shares, c.counts);
      expect(closeTo(actual, c.psi, 1e-12, 1e-15), `${actual} vs ${c.psi}`).toBe(true);
    });
  }
});

describe('populationStabilityIndex', () => {
  it('is 0 when the observed shares equal the reference, whatever the counts', () => {
    expect(populationStabilityIndex([0.25, 0.25, 0.5], [25, 25, 50])).toBe(0);
    expect(populationStabilityIndex([0.25, 0.25, 0.5], [1, 1, 2])).toBe(0);
  });

  it('is 0 with no observations (nothing to compare yet)', () => {
    expect(populationStabilityIndex([0.25, 0.25, 0.5], [0, 0, 0])).toBe(0);
    expect(populationStabilityIndex([0.5, 0.5], [])).toBe(0);
  });

  it('matches hand-computed values', () => {
    // Observed 3:1 against 50/50: 0.25 ln(1.5) - 0.25 ln(0.5) = 0.25 ln 3.
    expect(populationStabilityIndex([0.5, 0.5], [3, 1])).toBeCloseTo(0.274653, 6);
    expect(populationStabilityIndex([0.5, 0.5], [300, 100])).toBeCloseTo(0.274653, 6);
    // (0.2-0.25) ln(0.8) + (0.3-0.25) ln(1.2) + 0 = 0.020273.
    expect(populationStabilityIndex([0.25, 0.25, 0.5], [20, 30, 50])).toBeCloseTo(0.020273, 6);
  });

  it('is symmetric in reference and observed shares', () => {
    expect(populationStabilityIndex([0.75, 0.25], [1, 1])).toBeCloseTo(populationStabilityIndex([0.5, 0.5], [3, 1]), 12);
  });

  it('floors an empty observed bin at the epsilon, so the PSI is large but finite', () => {
    expect(psiEpsilon).toBe(1e-4);
    // a = [1, 1e-4]: 0.5 ln 2 + (1e-4 - 0.5) ln(1e-4 / 0.5) = 0.346574 + 4.257745.
    expect(populationStabilityIndex([0.5, 0.5], [10, 0])).toBeCloseTo(4.604318, 5);
  });

  it('floors an empty reference bin at the epsilon too', () => {
    expect(populationStabilityIndex([1, 0], [5, 5])).toBeCloseTo(4.604318, 5);
  });

  it('adds nothing for a bin empty on both sides', () => {
    expect(populationStabilityIndex([0.5, 0.5, 0], [1, 1, 0])).toBe(0);
  });

  it('treats counts missing at the end as empty bins', () => {
    expect(populationStabilityIndex([0.5, 0.5], [10])).toBeCloseTo(4.604318, 5);
  });
});
