/** Aggregations of the load run's raw observations: percentiles, time series, lag and CPU. */

export interface Percentiles {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

/** Nearest-rank percentile (q in (0, 1]) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil(q * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/** p50, p95, p99 and max of `values` (any order). */
export function percentiles(values: readonly number[]): Percentiles {
  const sorted = Float64Array.from(values).sort();
  const s = Array.from(sorted);
  return { count: s.length, p50: percentile(s, 0.5), p95: percentile(s, 0.95), p99: percentile(s, 0.99), max: s.at(-1) ?? Number.NaN };
}

/** One latency observation: when it completed (epoch ms) and how long it took. */
export interface Timed {
  readonly at: number;
  readonly ms: number;
}

/** Percentiles per bucket of `bucketMs` from `t0`, for buckets that saw at least one observation. */
export function latencyOverTime(
  points: readonly Timed[],
  t0: number,
  bucketMs: number,
): { t: number[]; p50: number[]; p95: number[]; p99: number[]; max: number[] } {
  const buckets = new Map<number, number[]>();
  for (const p of points) {
    const b = Math.floor((p.at - t0) / bucketMs);
    let list = buckets.get(b);
    if (!list) buckets.set(b, (list = []));
    list.push(p.ms);
  }
  const out = { t: [] as number[], p50: [] as number[], p95: [] as number[], p99: [] as number[], max: [] as number[] };
  for (const b of [...buckets.keys()].sort((x, y) => x - y)) {
    const p = percentiles(buckets.get(b)!);
    out.t.push(((b + 1) * bucketMs) / 1000);
    out.p50.push(p.p50);
    out.p95.push(p.p95);
    out.p99.push(p.p99);
    out.max.push(p.max);
  }
  return out;
}

/** Events per second in each bucket of `bucketMs` from `t0` to `t1`, zeros included. */
export function ratePerBucket(times: readonly number[], t0: number, t1: number, bucketMs: number): number[] {
  const n = Math.max(0, Math.ceil((t1 - t0) / bucketMs));
  const counts = new Array<number>(n).fill(0);
  for (const t of times) {
    const b = Math.floor((t - t0) / bucketMs);
    if (b >= 0 && b < n) counts[b]! += 1;
  }
  return counts.map((c) => (c * 1000) / bucketMs);
}

/** One probe of every group's lag (records), at `at` (epoch ms). */
export interface LagSample {
  readonly at: number;
  readonly groups: Readonly<Record<string, number>>;
}

/** Events a step may end with still outstanding (due, not yet accounted) and still count as sustained, in seconds of its arrivals. */
export const OUTSTANDING_BOUND_SECONDS = 2;
/** Growth of the outstanding count over a step's second half that still counts as sustained, as a share of the rate. */
export const OUTSTANDING_GROWTH_SHARE = 0.05;

/** Least-squares slope of `y` over `x` (per unit of x); 0 with fewer than two points. */
export function slope(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n < 2) return 0;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (x[i]! - mx) * (y[i]! - my);
    den += (x[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * Whether the pipeline kept up during a step, from the bench's own accounting: an event is
 * outstanding from its send until it is accounted for (its prediction or its dead letter read).
 * Sustained when at the step's end at most {@link OUTSTANDING_BOUND_SECONDS} of arrivals are
 * outstanding, and over its second half the outstanding count grew by less than
 * {@link OUTSTANDING_GROWTH_SHARE} of the rate per second. A pipeline slower than the arrivals
 * fails the second; one that keeps pace only behind a large backlog fails the first. Committed
 * offsets play no part: with a commit interval they trail processing by up to an interval in
 * every group, which says nothing about whether the pipeline keeps up.
 *
 * `arrivedAt` (when each event was due, by the schedule) and `accountedAt` are per event, epoch ms;
 * NaN for an event not in the step or never accounted.
 */
export function outstandingBounded(opts: {
  readonly arrivedAt: ArrayLike<number>;
  readonly accountedAt: ArrayLike<number>;
  readonly rate: number;
  readonly from: number;
  readonly to: number;
  /** How often over the second half the outstanding count is read for its growth. */
  readonly everyMs?: number;
}): { bounded: boolean; growthPerS: number; endOutstanding: number } {
  const arrived: number[] = [];
  const done: number[] = [];
  for (let i = 0; i < opts.arrivedAt.length; i++) {
    const due = opts.arrivedAt[i]!;
    if (Number.isNaN(due)) continue;
    arrived.push(due);
    const a = opts.accountedAt[i] ?? Number.NaN;
    // Accounted "before" it was due only by clock granularity: outstanding for no time.
    if (!Number.isNaN(a)) done.push(Math.max(due, a));
  }
  arrived.sort((x, y) => x - y);
  done.sort((x, y) => x - y);
  const mid = opts.from + (opts.to - opts.from) / 2;
  const step = opts.everyMs ?? 250;
  const times: number[] = [];
  for (let t = mid; t < opts.to; t += step) times.push(t);
  times.push(opts.to);
  // Both lists sorted and the times ascending: one pass each.
  const counts: number[] = [];
  let i = 0;
  let j = 0;
  for (const t of times) {
    while (i < arrived.length && arrived[i]! <= t) i++;
    while (j < done.length && done[j]! <= t) j++;
    counts.push(i - j);
  }
  const growthPerS = slope(
    times.map((t) => t / 1000),
    counts,
  );
  const endOutstanding = counts.at(-1)!;
  const bounded =
    opts.to > opts.from && growthPerS < OUTSTANDING_GROWTH_SHARE * opts.rate && endOutstanding <= OUTSTANDING_BOUND_SECONDS * opts.rate;
  return { bounded, growthPerS, endOutstanding };
}

/**
 * The summed lag of every group over a step's second half (committed offsets, as the lag probe
 * reads them): its growth per second and its last reading. Information only; with a commit
 * interval each group's reading includes up to an interval of processed records.
 */
export function lagTrend(samples: readonly LagSample[], from: number, to: number): { growthPerS: number; endLag: number } {
  const mid = from + (to - from) / 2;
  const half = samples.filter((s) => s.at >= mid && s.at <= to);
  const totals = half.map((s) => Object.values(s.groups).reduce((a, b) => a + b, 0));
  const growthPerS = slope(
    half.map((s) => s.at / 1000),
    totals,
  );
  return { growthPerS, endLag: totals.at(-1) ?? 0 };
}

/** Lag series per group over time, aligned on the samples (a group missing from a sample reads null). */
export function lagSeries(samples: readonly LagSample[], t0: number): { t: number[]; groups: Record<string, (number | null)[]> } {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.groups)))].sort();
  const groups: Record<string, (number | null)[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const s of samples) for (const n of names) groups[n]!.push(s.groups[n] ?? null);
  return { t: samples.map((s) => (s.at - t0) / 1000), groups };
}

/** Cumulative CPU seconds per process, read at `at` (epoch ms); NaN for a process that was gone. */
export interface CpuSample {
  readonly at: number;
  readonly seconds: Readonly<Record<string, number>>;
}

/** Each process's share of one core between consecutive samples (1 = one core busy). */
export function cpuSeries(samples: readonly CpuSample[], t0: number): { t: number[]; services: Record<string, (number | null)[]> } {
  const names = [...new Set(samples.flatMap((s) => Object.keys(s.seconds)))].sort();
  const services: Record<string, (number | null)[]> = Object.fromEntries(names.map((n) => [n, []]));
  const t: number[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const dt = (b.at - a.at) / 1000;
    if (dt <= 0) continue;
    t.push((b.at - t0) / 1000);
    for (const n of names) {
      const share = ((b.seconds[n] ?? Number.NaN) - (a.seconds[n] ?? Number.NaN)) / dt;
      services[n]!.push(Number.isFinite(share) ? Math.round(share * 1000) / 1000 : null);
    }
  }
  return { t, services };
}

/** Each process's average share of one core from the first sample at or after `from` to the last at or before `to`. */
export function cpuShares(samples: readonly CpuSample[], from: number, to: number): Record<string, number | null> {
  const inside = samples.filter((s) => s.at >= from && s.at <= to);
  const a = inside[0];
  const b = inside.at(-1);
  if (!a || !b || b.at <= a.at) return {};
  const dt = (b.at - a.at) / 1000;
  return Object.fromEntries(
    Object.keys(b.seconds).map((n) => {
      const share = ((b.seconds[n] ?? Number.NaN) - (a.seconds[n] ?? Number.NaN)) / dt;
      return [n, Number.isFinite(share) ? Math.round(share * 100) / 100 : null];
    }),
  );
}

/** Rounds a millisecond figure for the JSON line (NaN, for a step with no output, becomes null). */
export function ms(x: number): number | null {
  return Number.isFinite(x) ? Math.round(x * 10) / 10 : null;
}
