import { describe, expect, it } from 'vitest';
import { EXACT_LIMIT, emptySketch, hash53, sketchAdd, sketchCount, type DistinctSketch } from './distinct-sketch.js';

const fill = (values: readonly string[]) => values.reduce<DistinctSketch>((s, v) => sketchAdd(s, hash53(v)), emptySketch());
const range = (from: number, to: number, tag = 'v') => Array.from({ length: to - from }, (_, i) => `${tag}-${from + i}`);

// Standard error of a 16,384-register HyperLogLog is 0.81%; these bounds are three of them.
const tolerance = 3 * 0.0081;

describe('distinct sketches', () => {
  it('is exact, and stays a list of hashes, up to its limit', () => {
    const s = fill([...range(0, EXACT_LIMIT), ...range(0, 50)]);
    expect(s.kind).toBe('exact');
    expect(sketchCount([s])).toBe(EXACT_LIMIT);
  });

  it('counts a union of exact buckets exactly, values shared by buckets once', () => {
    expect(sketchCount([fill(range(0, 200)), fill(range(100, 300)), fill(range(250, 260))])).toBe(300);
    expect(sketchCount([])).toBe(0);
  });

  it('switches to registers past the limit and estimates within three standard errors', () => {
    for (const n of [EXACT_LIMIT + 1, 2_000, 20_000, 200_000]) {
      const s = fill(range(0, n, `n${n}`));
      expect(s.kind).toBe('registers');
      expect(Math.abs(sketchCount([s]) - n)).toBeLessThanOrEqual(n * tolerance);
    }
  });

  it('merges registers with exact buckets as one HyperLogLog over the union', () => {
    const big = fill(range(0, 30_000));
    const overlapping = fill(range(25_000, 60_000));
    const small = fill(range(59_900, 60_100));
    expect(small.kind).toBe('exact');
    expect(Math.abs(sketchCount([big, overlapping, small]) - 60_100)).toBeLessThanOrEqual(60_100 * tolerance);
  });

  it('hashes the same text to the same 53-bit value in every process', () => {
    expect(hash53('merchant-42')).toBe(hash53('merchant-42'));
    expect(hash53('merchant-42')).not.toBe(hash53('merchant-43'));
    expect(Number.isSafeInteger(hash53('x'))).toBe(true);
  });
});
