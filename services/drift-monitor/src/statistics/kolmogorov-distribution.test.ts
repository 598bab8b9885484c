import { describe, expect, it } from 'vitest';
import { closeTo, loadStatFixtures } from '../../test/stat-fixtures.js';
import { kolmogorovSf } from './kolmogorov-distribution.js';
import { smirnovSf } from './smirnov-distribution.js';

const fixtures = loadStatFixtures();

describe('kolmogorovSf against scipy.stats.kstwo.sf', () => {
  // The grid walks every branch: Ruben-Gambino ends, Durbin, Pomeranz, Pelz-Good, 2 * smirnov.
  for (const c of fixtures.kstwoSf) {
    it(`n=${c.n} d=${c.d}`, () => {
      const actual = kolmogorovSf(c.n, c.d);
      expect(closeTo(actual, c.sf, 1e-9, 1e-12), `${actual} vs ${c.sf}`).toBe(true);
    });
  }

  it('is NaN for a non-integer or non-positive n, like SciPy', () => {
    expect(kolmogorovSf(0, 0.3)).toBeNaN();
    expect(kolmogorovSf(2.5, 0.3)).toBeNaN();
  });
});

describe('smirnovSf against scipy.special.smirnov', () => {
  // SciPy sums in double-double; the double-precision log-space sum here agrees to ~1e-12.
  for (const c of fixtures.smirnovSf) {
    it(`n=${c.n} d=${c.d}`, () => {
      const actual = smirnovSf(c.n, c.d);
      expect(closeTo(actual, c.sf, 1e-9, 1e-12), `${actual} vs ${c.sf}`).toBe(true);
    });
  }
});
