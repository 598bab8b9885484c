import { describe, expect, it } from 'vitest';
import { arrivalSchedule, dueUntil, nextRampRate, rampBracket } from './schedule.js';

describe('arrivalSchedule', () => {
  it('spaces rate x seconds events evenly from the start, fixed in advance', () => {
    const s = arrivalSchedule({ rate: 1000, seconds: 2, startMs: 10_000, httpShare: 0 });
    expect(s).toHaveLength(2000);
    expect(s[0]!.at).toBe(10_000);
    expect(s[1]!.at).toBe(10_001);
    expect(s.at(-1)!.at).toBe(11_999);
    expect(s.map((e) => e.seq)).toEqual([...s.keys()]);
  });

  it('sends exactly the HTTP share, spread over the step', () => {
    const s = arrivalSchedule({ rate: 500, seconds: 4, startMs: 0, httpShare: 0.1 });
    expect(s.filter((e) => e.http)).toHaveLength(200);
    // Every second of the step carries its tenth.
    for (let sec = 0; sec < 4; sec++) expect(s.filter((e) => e.http && e.at >= sec * 1000 && e.at < (sec + 1) * 1000)).toHaveLength(50);
    expect(arrivalSchedule({ rate: 10, seconds: 1, startMs: 0, httpShare: 1 }).every((e) => e.http)).toBe(true);
  });

  it('rejects a zero rate and a share outside [0, 1]', () => {
    expect(() => arrivalSchedule({ rate: 0, seconds: 1, startMs: 0, httpShare: 0 })).toThrow(RangeError);
    expect(() => arrivalSchedule({ rate: 1, seconds: 1, startMs: 0, httpShare: 1.5 })).toThrow(RangeError);
  });
});

describe('dueUntil', () => {
  it('returns the end of the events due by now, so a late sender catches up on all of them at once', () => {
    const s = arrivalSchedule({ rate: 100, seconds: 1, startMs: 0, httpShare: 0 });
    expect(dueUntil(s, 0, -1)).toBe(0);
    expect(dueUntil(s, 0, 0)).toBe(1);
    expect(dueUntil(s, 1, 95)).toBe(10);
    expect(dueUntil(s, 10, 5000)).toBe(100);
  });
});

describe('ramp', () => {
  it('goes up by half while every rate held', () => {
    expect(nextRampRate(5000, Number.POSITIVE_INFINITY)).toBe(7500);
    expect(nextRampRate(0, Number.POSITIVE_INFINITY)).toBe(150);
  });

  it('halves while nothing held, and gives up below 50 events/s', () => {
    expect(nextRampRate(0, 1000)).toBe(500);
    expect(nextRampRate(0, 80)).toBeUndefined();
  });

  it('bisects the bracket until it is within 15%', () => {
    expect(nextRampRate(2000, 5000)).toBe(3500);
    expect(nextRampRate(2000, 2200)).toBeUndefined();
  });

  it('brackets by the highest rate held below the lowest that failed', () => {
    expect(
      rampBracket([
        { rate: 1000, sustained: true },
        { rate: 2000, sustained: true },
        { rate: 5000, sustained: false },
      ]),
    ).toEqual({ lo: 2000, hi: 5000 });
    expect(
      rampBracket([
        { rate: 1000, sustained: false },
        { rate: 2000, sustained: true },
      ]),
    ).toEqual({ lo: 0, hi: 1000 });
    expect(rampBracket([{ rate: 1000, sustained: true }])).toEqual({ lo: 1000, hi: Number.POSITIVE_INFINITY });
  });
});
