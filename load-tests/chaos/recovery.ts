/**
 * Recovery time per fault (issue 23): from the fault's start until end-to-end p99 is back at the
 * level it had before the fault, read from latencies by completion time.
 */
import { percentiles, type Timed } from '../pipeline/stats.js';

/** Seconds before a fault whose completions give its pre-fault level. */
export const LEVEL_WINDOW_S = 15;
/** Back at the level: p99 within this factor of it, plus {@link RECOVERY_SLACK_MS}. */
export const RECOVERY_FACTOR = 1.5;
export const RECOVERY_SLACK_MS = 100;
/** Back at the level only when this many consecutive 1 s buckets are, so one lucky second does not count. */
export const RECOVERY_HOLD_BUCKETS = 5;
/** A bucket (or level window) with fewer completions than this says nothing: an empty second is a stalled one. */
const MIN_POINTS = 5;

export interface RecoveryInput {
  /** Epoch ms the fault started and ended (healed or restarted). */
  readonly startMs: number;
  readonly endMs: number;
}

export interface Recovery {
  /** p99 of the completions in the {@link LEVEL_WINDOW_S} before the fault (ms), or the baseline's. */
  readonly level_p99_ms: number;
  /** Worst 1 s p99 from the fault's start to its recovery (ms). */
  readonly worst_p99_ms: number | null;
  /** Seconds from the fault's start to the first of the held buckets; null when the run ended first. */
  readonly recovery_s: number | null;
}

/**
 * Recovery of each fault from the run's latency points (completion time `at`, latency `ms`).
 * `baselineP99Ms` stands in for a pre-fault window with too few completions. The level of a fault
 * that follows a slow recovery is that slow level: each fault is measured against what it found.
 */
export function recoveries(points: readonly Timed[], faults: readonly RecoveryInput[], baselineP99Ms: number): Recovery[] {
  const sorted = [...points].sort((a, b) => a.at - b.at);
  const between = (from: number, to: number) => {
    const out: number[] = [];
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.at < from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < sorted.length && sorted[i]!.at < to; i++) out.push(sorted[i]!.ms);
    return out;
  };
  const lastAt = sorted.at(-1)?.at ?? 0;
  return faults.map((f) => {
    const before = between(f.startMs - LEVEL_WINDOW_S * 1000, f.startMs);
    const level = before.length >= MIN_POINTS ? percentiles(before).p99 : baselineP99Ms;
    const threshold = level * RECOVERY_FACTOR + RECOVERY_SLACK_MS;
    const bucketP99 = (k: number) => {
      const v = between(f.startMs + k * 1000, f.startMs + (k + 1) * 1000);
      return v.length >= MIN_POINTS ? percentiles(v).p99 : Number.POSITIVE_INFINITY;
    };
    let worst = 0;
    let run = 0;
    const firstAfterEnd = Math.max(0, Math.floor((f.endMs - f.startMs) / 1000));
    for (let k = 0; f.startMs + (k + 1) * 1000 <= lastAt; k++) {
      const p = bucketP99(k);
      if (Number.isFinite(p)) worst = Math.max(worst, p);
      run = k >= firstAfterEnd && p <= threshold ? run + 1 : 0;
      if (run === RECOVERY_HOLD_BUCKETS) {
        const first = k - RECOVERY_HOLD_BUCKETS + 1;
        return { level_p99_ms: Math.round(level), worst_p99_ms: Math.round(worst), recovery_s: first };
      }
    }
    return { level_p99_ms: Math.round(level), worst_p99_ms: worst > 0 ? Math.round(worst) : null, recovery_s: null };
  });
}
