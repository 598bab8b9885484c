import { describe, expect, it } from 'vitest';
import {
  cpuSeries,
  cpuShares,
  lagSeries,
  lagTrend,
  latencyOverTime,
  outstandingBounded,
  percentile,
  percentiles,
  ratePerBucket,
  slope,
} from './stats.js';

describe('percentiles', () => {
  it('uses the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentiles(values)).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100 });
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentiles([]).p99).toBeNaN();
  });

  it('sorts numerically, not as text', () => {
    expect(percentiles([9, 10, 100, 2]).max).toBe(100);
    expect(percentiles([9, 10, 100, 2]).p50).toBe(9);
  });
});

describe('latencyOverTime', () => {
  it('groups by completion time into buckets, labelled by their end', () => {
    const points = [
      { at: 1_000, ms: 10 },
      { at: 1_500, ms: 30 },
      { at: 3_200, ms: 5 },
    ];
    expect(latencyOverTime(points, 1_000, 1_000)).toEqual({ t: [1, 3], p50: [10, 5], p95: [30, 5], p99: [30, 5], max: [30, 5] });
  });
});

describe('ratePerBucket', () => {
  it('counts events per second, empty seconds included', () => {
    expect(ratePerBucket([0, 100, 999, 2500], 0, 3000, 1000)).toEqual([3, 0, 1]);
    expect(ratePerBucket([0, 100, 400], 0, 1000, 500)).toEqual([6, 0]);
  });
});

describe('outstandingBounded', () => {
  // A 10 s step at 1,000 events/s: event i sent at i + 1 ms, accounted `delay(i)` ms later.
  const step = (delay: (i: number) => number, rate = 1000, seconds = 10) => {
    const n = rate * seconds;
    const arrivedAt = Float64Array.from({ length: n }, (_, i) => ((i + 1) * 1000) / rate);
    const accountedAt = arrivedAt.map((t, i) => t + delay(i));
    return outstandingBounded({ arrivedAt, accountedAt, rate, from: 0, to: seconds * 1000 });
  };

  it('holds for a pipeline that keeps up, however far its committed offsets trail', () => {
    // Every event out 300 ms after its send: 300 outstanding all along.
    const r = step(() => 300);
    expect(r.endOutstanding).toBe(300);
    expect(r.growthPerS).toBeCloseTo(0, 6);
    expect(r.bounded).toBe(true);
  });

  it('counts events accounted after the step ended as outstanding at its end', () => {
    // Out 1.5 s after their send: the last 1.5 s of arrivals are still outstanding at 10 s, within 2 s.
    expect(step(() => 1500)).toMatchObject({ endOutstanding: 1500, bounded: true });
    // Out 2.5 s after: 2,500 outstanding, more than 2 s of arrivals.
    expect(step(() => 2500)).toMatchObject({ endOutstanding: 2500, bounded: false });
  });

  it('fails when the outstanding count grows in the second half, even while still under 2 s of arrivals', () => {
    // Falling behind by 10% of the rate: each event waits 0.1 s longer per second of the step.
    const r = step((i) => 50 + i * 0.1);
    expect(r.growthPerS).toBeCloseTo(91, 0); // 1,000/s in, 1,000/1.1 s out
    expect(r.endOutstanding).toBeLessThan(2000);
    expect(r.bounded).toBe(false);
  });

  it('allows growth under 5% of the rate', () => {
    const r = step((i) => 50 + i * 0.02);
    expect(r.growthPerS).toBeGreaterThan(0);
    expect(r.growthPerS).toBeLessThan(50);
    expect(r.bounded).toBe(true);
  });

  it('counts an event never accounted as outstanding to the end, and ignores events not in the step', () => {
    const arrivedAt = Float64Array.from([0, 1000, Number.NaN, 3000]);
    const accountedAt = Float64Array.from([100, Number.NaN, Number.NaN, 3050]);
    expect(outstandingBounded({ arrivedAt, accountedAt, rate: 1, from: 0, to: 4000 })).toMatchObject({ endOutstanding: 1, bounded: true });
    expect(outstandingBounded({ arrivedAt, accountedAt, rate: 0.4, from: 0, to: 4000 }).bounded).toBe(false);
  });

  it('computes a least-squares slope', () => {
    expect(slope([0, 1, 2], [1, 3, 5])).toBe(2);
    expect(slope([1], [1])).toBe(0);
  });
});

describe('lagTrend', () => {
  it("reads the summed groups' lag over the second half: its growth and last reading", () => {
    const samples = [0, 100, 200, 300, 400, 500, 600].map((total, i) => ({ at: i * 1000, groups: { a: total / 2, b: total / 2 } }));
    const r = lagTrend(samples, 0, 6000);
    expect(r.growthPerS).toBeCloseTo(100);
    expect(r.endLag).toBe(600);
    expect(lagTrend([], 0, 6000)).toEqual({ growthPerS: 0, endLag: 0 });
  });
});

describe('lagSeries and CPU', () => {
  it('aligns groups on the samples, null where a group was missing', () => {
    expect(
      lagSeries(
        [
          { at: 1000, groups: { a: 1 } },
          { at: 2000, groups: { a: 2, b: 3 } },
        ],
        0,
      ),
    ).toEqual({ t: [1, 2], groups: { a: [1, 2], b: [null, 3] } });
  });

  it('turns cumulative CPU seconds into shares of a core, null for a process that was gone', () => {
    const samples = [
      { at: 0, seconds: { ingestion: 1, feature: 2 } },
      { at: 2000, seconds: { ingestion: 2, feature: Number.NaN } },
      { at: 4000, seconds: { ingestion: 2.5, feature: 3 } },
    ];
    expect(cpuSeries(samples, 0)).toEqual({ t: [2, 4], services: { feature: [null, null], ingestion: [0.5, 0.25] } });
    expect(cpuShares(samples, 0, 4000)).toEqual({ ingestion: 0.38, feature: 0.25 });
  });
});
