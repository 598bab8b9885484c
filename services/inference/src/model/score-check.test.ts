import { describe, expect, it } from 'vitest';
import { toScore } from './score-check.js';

describe('toScore', () => {
  it('publishes a probability as it is', () => {
    for (const p of [0, 0.25, 0.5, 0.999, 1]) expect(toScore(p)).toBe(p);
  });

  it('clamps what float32 rounding put just outside [0, 1]', () => {
    // The demo model's sigmoid answered this (1 + 2^-23) for one event under `npm run load`.
    expect(toScore(Math.fround(1 + 2 ** -23))).toBe(1);
    expect(toScore(1.0000001192092896)).toBe(1);
    expect(toScore(-(2 ** -24))).toBe(0);
    expect(Object.is(toScore(-0), 0)).toBe(true);
  });

  it('refuses what is not a score', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1.5, 1.001, -0.001, 2])
      expect(toScore(bad)).toBeUndefined();
  });
});
