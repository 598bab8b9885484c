/** Consecutive drifted / clean windows of one alert identity, and since when it fires (JSON, persisted). */
export interface HysteresisState {
  drifted: number;
  clean: number;
  firingSince: number | null;
}

export interface HysteresisOptions {
  /** Consecutive drifted windows before the alert fires. */
  readonly fireAfter: number;
  /** Consecutive clean windows before a firing alert resolves. */
  readonly resolveAfter: number;
}

export function emptyHysteresis(): HysteresisState {
  return { drifted: 0, clean: 0, firingSince: null };
}

/**
 * Feeds one window's verdict; returns 'fire' when the K-th consecutive drifted window arrives while
 * not firing, 'resolve' at the M-th consecutive clean window while firing, else undefined. A clean
 * window resets the drifted streak and a drifted one the clean streak, so one noisy window neither
 * pages nor ends a page.
 */
export function stepHysteresis(h: HysteresisState, drifted: boolean, now: number, opts: HysteresisOptions): 'fire' | 'resolve' | undefined {
  if (drifted) {
    h.drifted++;
    h.clean = 0;
    if (h.firingSince === null && h.drifted >= opts.fireAfter) {
      h.firingSince = now;
      return 'fire';
    }
    return undefined;
  }
  h.clean++;
  h.drifted = 0;
  if (h.firingSince !== null && h.clean >= opts.resolveAfter) {
    h.firingSince = null;
    return 'resolve';
  }
  return undefined;
}
