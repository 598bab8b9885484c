import { describe, expect, it } from 'vitest';
import { demoEvents } from './demo-events.js';

describe('demoEvents', () => {
  it('is deterministic for a seed and run id', () => {
    const a = demoEvents({ count: 300, runId: 'r' });
    const b = demoEvents({ count: 300, runId: 'r' });
    expect(a.map((e) => e.value.toString())).toEqual(b.map((e) => e.value.toString()));
  });

  it('marks the drifted stretch, scales its amounts, and breaks about the requested share', () => {
    const events = demoEvents({ count: 2000, runId: 'r', malformedShare: 0.05, driftFrom: 0.5, driftTo: 0.75 });
    expect(events).toHaveLength(2000);
    expect(events.filter((e) => e.phase === 'drifted')).toHaveLength(500);
    expect(events.slice(1000, 1500).every((e) => e.phase === 'drifted')).toBe(true);
    const malformed = events.filter((e) => e.malformed).length;
    expect(malformed).toBeGreaterThan(50);
    expect(malformed).toBeLessThan(160);
    const mean = (xs: typeof events) => {
      const amounts = xs.filter((e) => !e.malformed).map((e) => (JSON.parse(e.value.toString()) as { amount: number }).amount);
      return amounts.reduce((s, a) => s + a, 0) / amounts.length;
    };
    expect(mean(events.slice(1000, 1500))).toBeGreaterThan(3 * mean(events.slice(0, 1000)));
  });

  it('keys each event by its card and keeps event times in order', () => {
    const events = demoEvents({ count: 500, runId: 'run1', malformedShare: 0 });
    const parsed = events.map((e) => JSON.parse(e.value.toString()) as { card_id: string; occurred_at: string });
    parsed.forEach((p, i) => expect(events[i]!.key).toBe(p.card_id));
    const times = parsed.map((p) => Date.parse(p.occurred_at));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(parsed.every((p) => p.card_id.startsWith('card-run1-'))).toBe(true);
  });

  it('ends within the day before now, moved by whole days, so ingestion never refuses it as too old', () => {
    const now = Date.UTC(2031, 4, 17, 9, 30);
    const times = (at: number) =>
      demoEvents({ count: 1200, runId: 'r', malformedShare: 0, now: at }).map((e) =>
        Date.parse((JSON.parse(e.value.toString()) as { occurred_at: string }).occurred_at),
      );
    const moved = times(now);
    expect(Math.max(...moved)).toBeLessThanOrEqual(now);
    expect(Math.max(...moved)).toBeGreaterThan(now - 86_400_000);
    // The default MAX_PAST_SKEW_MS of ingestion is 30 days.
    expect(Math.min(...moved)).toBeGreaterThan(now - 30 * 86_400_000);
    const earlier = times(now - 3 * 86_400_000);
    expect(moved.map((t, i) => t - earlier[i]!)).toEqual(moved.map(() => 3 * 86_400_000));
  });
});
