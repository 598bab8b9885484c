import { describe, expect, it } from 'vitest';
import { featureSetErrors } from './errors.js';
import { compileExpression, type FeatureValue } from './expression.js';

const run = (source: string, values: Record<string, FeatureValue> = {}) => compileExpression(source).evaluate((n) => values[n] ?? null);

describe('compileExpression', () => {
  it('evaluates arithmetic with the usual precedence, comparisons and the conditional', () => {
    expect(run('1 + 2 * 3 - 4 / 2')).toBe(5);
    expect(run('(a - m) / s', { a: 10, m: 4, s: 2 })).toBe(3);
    expect(run('a > 1 && b <= 2 ? "yes" : "no"', { a: 2, b: 2 })).toBe('yes');
    expect(run('!(a == "ecom") || false', { a: 'pos' })).toBe(true);
    expect(run('-a % 4', { a: 10 })).toBe(-2);
  });

  it('calls only whitelisted functions', () => {
    expect(run('log1p(x)', { x: Math.E - 1 })).toBeCloseTo(1, 12);
    expect(run('max(a, b, 3)', { a: 1, b: 7 })).toBe(7);
    expect(run('utc_hour(t)', { t: Date.UTC(2025, 0, 1, 23, 59) })).toBe(23);
    expect(run('coalesce(x, y, 5)', { y: 2 })).toBe(2);
    for (const bad of ['eval("1")', 'constructor(1)', 'toString()', 'a.b', 'a[0]', '[1, 2]', 'this', 'f = 1', '/x/']) {
      expect(() => compileExpression(bad), bad).toThrow(expect.objectContaining({ code: 'TW_FEATURE_INVALID_EXPRESSION' }));
    }
  });

  it('propagates null through arithmetic and turns non-finite results into null', () => {
    expect(run('a + 1')).toBeNull();
    expect(run('a > 1')).toBe(false);
    expect(run('1 / 0')).toBeNull();
    expect(run('log(0)')).toBeNull();
    expect(run('sqrt(-1)')).toBeNull();
  });

  it('lists the features it reads, and rejects what does not parse', () => {
    expect([...compileExpression('a / b + a').references].sort()).toEqual(['a', 'b']);
    try {
      compileExpression('a +');
      expect.unreachable();
    } catch (err) {
      expect(featureSetErrors.is(err, 'TW_FEATURE_INVALID_EXPRESSION')).toBe(true);
    }
  });
});
