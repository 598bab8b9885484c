import type { PaymentEvent } from '@tidewater/schemas';
import type { FeatureSet, NumericEventField, StringEventField } from '@tidewater/feature-set';

/** One window's content computed the slow way: the events themselves. */
export interface ExpectedWindow {
  readonly events: readonly PaymentEvent[];
}

export interface ExpectedState {
  readonly late: boolean;
  readonly duplicate: boolean;
  readonly previousEventTime: number | null;
  readonly windows: Readonly<Record<string, ExpectedWindow>>;
}

/**
 * The state semantics restated over plain event lists, for tests: per entity, an event is late
 * when more than the allowed lateness behind the newest applied event; a non-late event whose id
 * was applied before is a duplicate; either way it is not applied. A window holds the applied
 * events (this one included) whose bucket is among the window's buckets ending with the event's
 * bucket, or with the newest event's bucket for a late event.
 */
export function bruteForceStates(featureSet: FeatureSet, events: readonly PaymentEvent[]): ExpectedState[] {
  const applied = new Map<string, Map<string, PaymentEvent>>();
  const newest = new Map<string, number>();
  return events.map((e) => {
    const entity = e[featureSet.entity];
    const mine = applied.get(entity) ?? applied.set(entity, new Map()).get(entity)!;
    const maxT = newest.get(entity);
    const late = maxT !== undefined && e.occurred_at < maxT - featureSet.allowedLatenessMs;
    const duplicate = !late && mine.has(e.event_id);
    if (!late && !duplicate) {
      mine.set(e.event_id, e);
      newest.set(entity, Math.max(maxT ?? -Infinity, e.occurred_at));
    }
    const readT = late ? maxT! : e.occurred_at;
    const windows: Record<string, ExpectedWindow> = {};
    for (const w of featureSet.windows) {
      const last = Math.floor(readT / w.bucketMs);
      windows[w.name] = {
        events: [...mine.values()].filter((o) => {
          const b = Math.floor(o.occurred_at / w.bucketMs);
          return b <= last && b > last - w.buckets;
        }),
      };
    }
    return { late, duplicate, previousEventTime: maxT ?? null, windows };
  });
}

export const sum = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0);

/** Two-pass population standard deviation (the service uses sums of squares: compare with a tolerance). */
export function stddev(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const mean = sum(xs) / xs.length;
  return Math.sqrt(sum(xs.map((x) => (x - mean) ** 2)) / xs.length);
}

export const values = (w: ExpectedWindow, f: NumericEventField) => w.events.map((e) => e[f]);
export const distinct = (w: ExpectedWindow, f: StringEventField) => new Set(w.events.map((e) => e[f])).size;
