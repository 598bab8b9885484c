import { describe, expect, it } from 'vitest';
import { compareRounds, lastJsonObject, median, numericFigures } from './compare-figures.js';

describe('lastJsonObject', () => {
  it('takes the last line that is a JSON object, skipping text, arrays and broken JSON after it', () => {
    const out = 'warming up\n{"bench":"a","x":1}\n{"bench":"b","x":2}\n[1,2]\n{not json\n';
    expect(lastJsonObject(out)).toEqual({ bench: 'b', x: 2 });
    expect(lastJsonObject('no json here')).toBeUndefined();
  });
});

describe('numericFigures', () => {
  it('flattens nested objects and arrays to dotted paths and keeps only finite numbers', () => {
    const figures = numericFigures({ bench: 'x', rate: 10, p: { p50: 1.5, p99: null }, steps: [{ rate: 1 }, { rate: 2 }], ok: true });
    expect(Object.fromEntries(figures)).toEqual({ rate: 10, 'p.p50': 1.5, 'steps.0.rate': 1, 'steps.1.rate': 2 });
  });
});

describe('compareRounds', () => {
  it('compares medians per figure present in every round, ratio candidate over baseline', () => {
    const m = (o: Record<string, number>) => new Map(Object.entries(o));
    const cmp = compareRounds(
      [m({ a: 10, b: 0, only: 1 }), m({ a: 30, b: 0 }), m({ a: 20, b: 0 })],
      [m({ a: 40, b: 1 }), m({ a: 44, b: 1 })],
    );
    expect(cmp).toEqual({ a: { baseline: 20, candidate: 42, ratio: 2.1 }, b: { baseline: 0, candidate: 1, ratio: null } });
  });

  it('gives the median of an even count as the mean of the middle two', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
