import { describe, expect, it } from 'vitest';
import { cpuSeries, cpuShares, lagBounded, lagSeries, latencyOverTime, percentile, percentiles, ratePerBucket, slope } from './stats.js';

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

describe('lagBounded', () => {
  const samples = (totals: number[]) => totals.map((total, i) => ({ at: i * 1000, groups: { a: total / 2, b: total / 2 } }));

  it('holds when the lag stays flat and small', () => {
    const r = lagBounded(samples([0, 300, 200, 250, 220, 260, 230, 240, 250, 240, 230]), 1000, 0, 10_000);
    expect(r.bounded).toBe(true);
    expect(r.endLag).toBe(230);
  });

  it('fails when the lag keeps growing in the second half', () => {
    const r = lagBounded(samples([0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]), 1000, 0, 10_000);
    expect(r.growthPerS).toBeCloseTo(100);
    expect(r.bounded).toBe(false);
  });

  it('fails when the step ends more than two seconds of arrivals behind, even if no longer growing', () => {
    expect(lagBounded(samples([0, 5000, 5000, 5000, 5000, 5000, 5000]), 1000, 0, 6000).bounded).toBe(false);
  });

  it('fails without samples in the second half (the probe could not read the offsets)', () => {
    expect(lagBounded([], 1000, 0, 10_000).bounded).toBe(false);
  });

  it('computes a least-squares slope', () => {
    expect(slope([0, 1, 2], [1, 3, 5])).toBe(2);
    expect(slope([1], [1])).toBe(0);
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
