import { describe, expect, it } from 'vitest';
import { closeTo, loadStatFixtures, thrownCode, type GeneratedSample } from '../../test/stat-fixtures.js';
import { kolmogorovSmirnovTest, type KsMethod } from './kolmogorov-smirnov.js';

const fixtures = loadStatFixtures();
const methods: readonly KsMethod[] = ['exact', 'asymp', 'auto'];
// Tolerances: statistic 1e-12 relative; p-value 1e-9 relative, or 1e-12 absolute for tiny ones.
const statisticRel = 1e-12;
const pRel = 1e-9;
const pAbs = 1e-12;

function generated(s: GeneratedSample): number[] {
  return Array.from({ length: s.n }, (_, i) => ((i * s.mult) % s.mod) / s.mod + s.offset);
}

describe('kolmogorovSmirnovTest against scipy.stats.ks_2samp', () => {
  for (const pair of fixtures.samplePairs) {
    for (const method of methods) {
      it(`${pair.name}, method=${method}`, () => {
        const expected = pair.ks[method];
        const actual = kolmogorovSmirnovTest(pair.a, pair.b, method);
        expect(closeTo(actual.statistic, expected.statistic, statisticRel), `D ${actual.statistic} vs ${expected.statistic}`).toBe(true);
        expect(closeTo(actual.pValue, expected.pvalue, pRel, pAbs), `p ${actual.pValue} vs ${expected.pvalue}`).toBe(true);
        expect(actual.statisticLocation).toBe(expected.location);
        expect(actual.statisticSign).toBe(expected.sign);
      });
    }
  }

  it('goes asymptotic under auto above 10000 values, as SciPy does', () => {
    for (const c of fixtures.largeGenerated) {
      const actual = kolmogorovSmirnovTest(generated(c.a), generated(c.b));
      expect(actual.method).toBe('asymp');
      expect(closeTo(actual.statistic, c.auto.statistic, statisticRel)).toBe(true);
      expect(closeTo(actual.pValue, c.auto.pvalue, pRel, pAbs)).toBe(true);
    }
  });

  it('stays exact under auto at 10000 values each, and fast', () => {
    const a = generated({ n: 10_000, mult: 7919, mod: 10007, offset: 0 });
    const b = generated({ n: 9_999, mult: 104729, mod: 10009, offset: 0.01 });
    const started = performance.now();
    const result = kolmogorovSmirnovTest(a, b);
    expect(result.method).toBe('exact');
    // SciPy 1.10 gives D = 0.010163486348634863, p = 0.6737038905474577 for these samples.
    expect(closeTo(result.statistic, 0.010163486348634863, statisticRel)).toBe(true);
    expect(closeTo(result.pValue, 0.6737038905474577, pRel)).toBe(true);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('does not depend on input order', () => {
    const pair = fixtures.samplePairs.find((p) => p.a.length === 50);
    if (!pair) throw new Error('fixture missing');
    const shuffled = [...pair.a].reverse();
    expect(kolmogorovSmirnovTest(shuffled, pair.b)).toEqual(kolmogorovSmirnovTest(pair.a, pair.b));
  });

  it('rejects empty and non-finite samples with TW_DRIFT_ codes', () => {
    expect(thrownCode(() => kolmogorovSmirnovTest([], [1]))).toBe('TW_DRIFT_EMPTY_SAMPLE');
    expect(thrownCode(() => kolmogorovSmirnovTest([1], []))).toBe('TW_DRIFT_EMPTY_SAMPLE');
    expect(thrownCode(() => kolmogorovSmirnovTest([1, Number.NaN], [2]))).toBe('TW_DRIFT_NON_FINITE_VALUE');
    expect(thrownCode(() => kolmogorovSmirnovTest([1], [Number.POSITIVE_INFINITY]))).toBe('TW_DRIFT_NON_FINITE_VALUE');
  });
});
