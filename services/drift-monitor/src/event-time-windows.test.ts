import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readModelManifest } from '@tidewater/model-manifest';
import { repoRoot } from '@tidewater/schemas';
import { referenceTraffic } from '../test/reference-traffic.js';
import { addToWindows, emptyModelWindows, type ClosedWindow, type WindowingOptions } from './event-time-windows.js';
import { emptyHysteresis, stepHysteresis } from './hysteresis.js';
import { compileProfile } from './window-accumulator.js';

const manifest = readModelManifest(join(repoRoot, 'models', 'fraud-demo', '1'));
const compiled = compileProfile(manifest);
const minute = 60_000;
const time: WindowingOptions = {
  mode: 'time',
  size: 0,
  durationMs: minute,
  allowedLatenessMs: 10_000,
  maxOpenWindows: 3,
  sampleSize: 50,
  maxCategories: 20,
  slidingWindows: 0,
};
const [template] = referenceTraffic(manifest, { n: 1, seed: 1, idPrefix: 't' });

/** Feeds events with these event times, in this arrival order; returns what closed. */
function feed(times: readonly number[], opts: WindowingOptions, s = emptyModelWindows()) {
  const closed: ClosedWindow[] = [];
  for (const t of times) {
    closed.push(...addToWindows(s, manifest, compiled, template!.vector.features, { ...template!.prediction, event_time: t }, opts));
  }
  return { closed, state: s };
}

describe('event-time windows', () => {
  it('cuts tumbling windows by event time and closes one when the watermark passes its end', () => {
    const { closed, state } = feed([5_000, 30_000, 59_000, 61_000, 69_000, 71_000], time);
    // 71s - 10s lateness = 61s watermark: [0, 60s) closes; [60s, 120s) stays open.
    expect(closed.map((c) => [c.window.start, c.window.end, c.window.n])).toEqual([[0, minute, 3]]);
    expect(state.open.map((w) => [w.start, w.n])).toEqual([[minute, 3]]);
  });

  it('puts a late event inside the allowed lateness into its own (still open) window', () => {
    const { closed, state } = feed([10_000, 65_000, 55_000], time);
    expect(closed).toEqual([]);
    expect(state.open.map((w) => [w.start, w.n])).toEqual([
      [0, 2],
      [minute, 1],
    ]);
  });

  it('drops and counts an event whose window already closed, reporting it with the next window', () => {
    const { closed, state } = feed([10_000, 75_000, 20_000, 30_000, 140_000], time);
    expect(closed.map((c) => [c.window.start, c.window.n, c.lateEvents])).toEqual([
      [0, 1, 0],
      [minute, 1, 2],
    ]);
    expect(state.late).toBe(0);
  });

  it('drops a straggler beyond the lateness whose window never opened, instead of judging a one-event window', () => {
    // After 200s the watermark is 190s: [0, 60s) closes. 70s and 130s are later than the allowed
    // lateness; their windows were never opened and must not open now (they would close at once).
    const { closed, state } = feed([10_000, 200_000, 70_000, 130_000, 185_000, 260_000], time);
    expect(closed.map((c) => [c.window.start, c.window.n, c.lateEvents])).toEqual([
      [0, 1, 0],
      [3 * minute, 2, 2],
    ]);
    expect(state.open.map((w) => [w.start, w.n])).toEqual([[4 * minute, 1]]);
  });

  it('drops an event older than every open window when no more windows may open, rather than close a newer one', () => {
    const wide = { ...time, allowedLatenessMs: 10 * minute };
    const { closed, state } = feed([minute, 2 * minute, 3 * minute, 0], wide);
    expect(closed).toEqual([]);
    expect(state.open.map((w) => w.start)).toEqual([minute, 2 * minute, 3 * minute]);
    expect(state.late).toBe(1);
  });

  it('closes the oldest window early rather than keep more than maxOpenWindows open', () => {
    const wide = { ...time, allowedLatenessMs: 10 * minute };
    const { closed, state } = feed([0, minute, 2 * minute, 3 * minute], wide);
    expect(closed.map((c) => c.window.start)).toEqual([0]);
    expect(state.open).toHaveLength(3);
  });

  it('in count mode closes after `size` events, spanning their event times whatever the order', () => {
    const { closed, state } = feed([500, 100, 300, 900], { ...time, mode: 'count', size: 3 });
    expect(closed.map((c) => [c.window.start, c.window.end, c.window.n])).toEqual([[100, 500, 3]]);
    expect(state.open.map((w) => w.n)).toEqual([1]);
  });

  it('survives a JSON round trip (the Redis snapshot) mid-window', () => {
    const first = feed([10_000, 20_000], time);
    const restored = JSON.parse(JSON.stringify(first.state)) as typeof first.state;
    restored.closedUpTo ??= Number.NEGATIVE_INFINITY;
    restored.maxEventTime ??= Number.NEGATIVE_INFINITY;
    const { closed } = feed([30_000, 80_000], time, restored);
    expect(closed.map((c) => [c.window.start, c.window.n])).toEqual([[0, 3]]);
  });
});

describe('hysteresis', () => {
  it('fires after K consecutive drifted windows and resolves after M consecutive clean ones', () => {
    const h = emptyHysteresis();
    const opts = { fireAfter: 2, resolveAfter: 3 };
    const steps = [true, false, true, true, true, false, false, true, false, false, false].map((d, i) => stepHysteresis(h, d, i, opts));
    expect(steps).toEqual([
      undefined,
      undefined,
      undefined,
      'fire',
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'resolve',
    ]);
    expect(h.firingSince).toBeNull();
  });

  it('with K = M = 1 follows each window', () => {
    const h = emptyHysteresis();
    const opts = { fireAfter: 1, resolveAfter: 1 };
    expect([false, true, true, false, false].map((d, i) => stepHysteresis(h, d, i, opts))).toEqual([
      undefined,
      'fire',
      undefined,
      'resolve',
      undefined,
    ]);
  });
});
