import type { PaymentEvent } from '@tidewater/schemas';
import type { NumericEventField, StringEventField } from './definition.js';

/** Sum, sum of squares, min and max of one numeric field over a window (min/max null when empty). */
export interface FieldStats {
  readonly sum: number;
  readonly sumsq: number;
  readonly min: number | null;
  readonly max: number | null;
}

export interface WindowStats {
  readonly count: number;
  readonly fields: Readonly<Partial<Record<NumericEventField, FieldStats>>>;
  /** Distinct values (HyperLogLog estimates, exact while small: see distinct-sketch.ts). */
  readonly distinct: Readonly<Partial<Record<StringEventField, number>>>;
}

/** What the state said about one event, and the windows its vector is computed from. */
export interface EventState {
  /** More than the allowed lateness behind the entity's newest event: not applied, windows end at the newest event. */
  readonly late: boolean;
  /** Already applied before (redelivery, replay): not applied again. */
  readonly duplicate: boolean;
  /** Newest event time of the entity before this event, or null for its first event. */
  readonly previousEventTime: number | null;
  readonly windows: Readonly<Record<string, WindowStats>>;
}

/** The event fields the state reads; a PaymentEvent has them all. */
export type StateEvent = Pick<PaymentEvent, 'event_id' | 'occurred_at' | NumericEventField | StringEventField>;
