/**
 * The open-loop arrival schedule (issue 23): every event's send time is fixed before the step
 * starts, so a sender that falls behind does not slow the arrivals down (no coordinated omission)
 * and latency is counted from the time the event should have been sent.
 */

/** One event of a step's schedule. */
export interface ScheduledEvent {
  /** Position in the step, from 0. */
  readonly seq: number;
  /** Epoch ms at which it is due. */
  readonly at: number;
  /** Sent over ingestion's HTTP API instead of straight to `events.raw`. */
  readonly http: boolean;
}

/**
 * `rate` events per second for `seconds`, evenly spaced from `startMs`; `httpShare` of them (spread
 * evenly, not at random, so every step and every second gets its share) go over HTTP.
 */
export function arrivalSchedule(opts: { rate: number; seconds: number; startMs: number; httpShare: number }): ScheduledEvent[] {
  if (!(opts.rate > 0) || !(opts.seconds > 0)) throw new RangeError('rate and seconds must be positive');
  if (!(opts.httpShare >= 0 && opts.httpShare <= 1)) throw new RangeError('httpShare must be within [0, 1]');
  const count = Math.round(opts.rate * opts.seconds);
  const gapMs = 1000 / opts.rate;
  const out: ScheduledEvent[] = [];
  for (let seq = 0; seq < count; seq++) {
    // Event seq goes over HTTP when the running count of HTTP events steps up at it.
    const http = Math.floor((seq + 1) * opts.httpShare) > Math.floor(seq * opts.httpShare);
    out.push({ seq, at: opts.startMs + seq * gapMs, http });
  }
  return out;
}

/** The events of `schedule` due at `now` from position `from` on: `[from, end)`. */
export function dueUntil(schedule: readonly ScheduledEvent[], from: number, now: number): number {
  let end = from;
  while (end < schedule.length && schedule[end]!.at <= now) end++;
  return end;
}

/** Ramp stops once the bracket around the highest sustained rate is this narrow (hi / lo). */
export const RAMP_RESOLUTION = 1.15;

/**
 * The ramp's next rate from what the steps so far showed: `lo` the highest rate sustained (0 when
 * none), `hi` the lowest that was not (Infinity when none). Up by half while nothing failed, down by
 * half while nothing held, else bisect; undefined once the bracket is within {@link RAMP_RESOLUTION}.
 */
export function nextRampRate(lo: number, hi: number): number | undefined {
  if (hi === Number.POSITIVE_INFINITY) return Math.round(Math.max(lo, 100) * 1.5);
  if (lo === 0) return hi / 2 >= 50 ? Math.round(hi / 2) : undefined;
  if (hi / lo <= RAMP_RESOLUTION) return undefined;
  return Math.round((lo + hi) / 2);
}

/** The bracket after a set of results: highest sustained and lowest unsustained rate. */
export function rampBracket(results: readonly { rate: number; sustained: boolean }[]): { lo: number; hi: number } {
  let lo = 0;
  let hi = Number.POSITIVE_INFINITY;
  for (const r of results) {
    if (r.sustained) lo = Math.max(lo, r.rate);
    else hi = Math.min(hi, r.rate);
  }
  // A higher rate held while a lower one did not (noise on a shared machine): trust the failure below.
  if (lo >= hi) lo = Math.max(0, ...results.filter((r) => r.sustained && r.rate < hi).map((r) => r.rate));
  return { lo, hi };
}
