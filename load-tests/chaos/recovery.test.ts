import { describe, expect, it } from 'vitest';
import type { Timed } from '../pipeline/stats.js';
import { recoveries } from './recovery.js';

/** 20 completions a second from `fromS` to `toS` (seconds), each taking `ms(t)`. */
function points(fromS: number, toS: number, ms: (t: number) => number): Timed[] {
  const out: Timed[] = [];
  for (let t = fromS * 1000; t < toS * 1000; t += 50) out.push({ at: t, ms: ms(t / 1000) });
  return out;
}

describe('recovery per fault', () => {
  it('counts from the fault until p99 is back at its pre-fault level for five seconds', () => {
    // 40 ms before the fault at 30 s, 5 s at 3 s, then 40 ms again from 42 s.
    const p = points(0, 80, (t) => (t >= 30 && t < 42 ? 3000 : 40));
    const [r] = recoveries(p, [{ startMs: 30_000, endMs: 30_000 }], 50);
    expect(r).toEqual({ level_p99_ms: 40, worst_p99_ms: 3000, recovery_s: 12 });
  });

  it('a second with no completions is a stalled one, not a recovered one', () => {
    const p = [...points(0, 30, () => 40), ...points(45, 80, () => 40)];
    expect(recoveries(p, [{ startMs: 30_000, endMs: 31_000 }], 50)[0]!.recovery_s).toBe(15);
  });

  it('does not count recovery before the fault has ended, and reports null when the run ends first', () => {
    const p = points(0, 60, () => 40);
    const [healed, never] = recoveries(
      p,
      [
        { startMs: 20_000, endMs: 30_000 },
        { startMs: 50_000, endMs: 58_000 },
      ],
      50,
    );
    expect(healed!.recovery_s).toBe(10);
    expect(never!.recovery_s).toBeNull();
  });

  it('uses the baseline when the pre-fault window saw too little', () => {
    const p = points(20, 60, () => 400);
    expect(recoveries(p, [{ startMs: 20_000, endMs: 20_000 }], 50)[0]).toMatchObject({ level_p99_ms: 50, recovery_s: null });
  });
});
