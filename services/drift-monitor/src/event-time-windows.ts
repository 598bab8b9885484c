import type { ModelManifest } from '@tidewater/model-manifest';
import type { FeatureVector, Prediction } from '@tidewater/schemas';
import { addEvent, emptyWindow, type AccumulatorLimits, type CompiledProfile, type WindowState } from './window-accumulator.js';

/** How events are cut into windows. */
export interface WindowingOptions extends AccumulatorLimits {
  /**
   * `count`: one open window at a time, closed after `size` events (in arrival order).
   * `time`: tumbling event-time windows [k*durationMs, (k+1)*durationMs), closed when the watermark
   * (largest event time seen minus `allowedLatenessMs`) passes their end.
   */
  readonly mode: 'count' | 'time';
  readonly size: number;
  readonly durationMs: number;
  readonly allowedLatenessMs: number;
  /** Time windows open at once, at most; opening one more closes the oldest early (bounded memory). */
  readonly maxOpenWindows: number;
  /** With N >= 2, each closed window also yields a report over the last N windows merged (sliding view). */
  readonly slidingWindows: number;
}

/** The windows of one model version, as plain JSON (it is persisted in Redis). */
export interface ModelWindowsState {
  open: WindowState[];
  /** Time mode: end of the newest closed window; an event before it is late and dropped (counted). */
  closedUpTo: number;
  maxEventTime: number;
  /** Late events dropped since the last closed window. */
  late: number;
  /** Ingestion dead letters seen since the last closed window. */
  deadLetters: number;
  /** Seeds each new window's reservoir sampler, so replays sample identically. */
  windowSeq: number;
  /** The last closed windows, newest last, kept for the sliding view (empty when it is off). */
  recent?: WindowState[];
}

export function emptyModelWindows(): ModelWindowsState {
  return { open: [], closedUpTo: Number.NEGATIVE_INFINITY, maxEventTime: Number.NEGATIVE_INFINITY, late: 0, deadLetters: 0, windowSeq: 0 };
}

/** A window that closed, with the late events and dead letters to report with it. */
export interface ClosedWindow {
  readonly window: WindowState;
  readonly lateEvents: number;
}

function openWindow(s: ModelWindowsState, manifest: ModelManifest, start: number, end: number): WindowState {
  const w = emptyWindow(manifest, start, end, 0x9e3779b9 ^ s.windowSeq++);
  s.open.push(w);
  s.open.sort((a, b) => a.start - b.start);
  return w;
}

function close(s: ModelWindowsState, w: WindowState, out: ClosedWindow[]): void {
  s.open.splice(s.open.indexOf(w), 1);
  w.deadLetters += s.deadLetters;
  s.deadLetters = 0;
  out.push({ window: w, lateEvents: s.late });
  s.late = 0;
  s.closedUpTo = Math.max(s.closedUpTo, w.end);
}

/**
 * Adds one joined event to its window and returns the windows it closed, oldest first.
 * Mutates `s` (its own state; the processor persists it after each batch).
 */
export function addToWindows(
  s: ModelWindowsState,
  manifest: ModelManifest,
  profile: CompiledProfile,
  features: FeatureVector['features'],
  prediction: Prediction,
  opts: WindowingOptions,
): ClosedWindow[] {
  const t = prediction.event_time;
  const closed: ClosedWindow[] = [];
  if (opts.mode === 'count') {
    const w = s.open[0] ?? openWindow(s, manifest, t, t);
    addEvent(w, profile, features, prediction, opts);
    w.start = Math.min(w.start, t);
    w.end = Math.max(w.end, t);
    if (w.n >= opts.size) close(s, w, closed);
    return closed;
  }
  const start = Math.floor(t / opts.durationMs) * opts.durationMs;
  const end = start + opts.durationMs;
  let w = s.open.find((x) => x.start === start);
  // Late: its window has closed, or would have closed already had it been open (the watermark is
  // past its end; without this check a straggler would open a one-event window that closes at
  // once and gets judged on one value), or it would be the oldest window when no more may open.
  const late =
    !w &&
    (end <= s.closedUpTo ||
      end <= s.maxEventTime - opts.allowedLatenessMs ||
      (s.open.length >= opts.maxOpenWindows && start < (s.open[0] as WindowState).start));
  if (late) {
    s.late++;
    return closed;
  }
  if (!w) {
    while (s.open.length >= opts.maxOpenWindows) close(s, s.open[0] as WindowState, closed);
    w = openWindow(s, manifest, start, end);
  }
  addEvent(w, profile, features, prediction, opts);
  s.maxEventTime = Math.max(s.maxEventTime, t);
  const watermark = s.maxEventTime - opts.allowedLatenessMs;
  for (const x of [...s.open]) if (x.end <= watermark) close(s, x, closed);
  return closed;
}
