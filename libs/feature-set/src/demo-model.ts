import type { PaymentEvent } from '@tidewater/schemas';
import { defaultFeatureSetPath, loadFeatureSet } from './definition.js';
import { evaluateFeatures } from './evaluate.js';

/** The count and amount sum of a card's one-hour window, the event itself included. */
export interface WindowAggregate {
  readonly count: number;
  readonly sum: number;
}

/** The demo model's inputs, in tensor order; card-fraud.yaml defines each of them. */
export const demoModelFeatureNames = [
  'amount',
  'log_amount',
  'hour_of_day',
  'is_ecom',
  'is_night',
  'txn_count_1h',
  'amount_sum_1h',
  'amount_ratio_1h',
] as const;

const cardFraud = loadFeatureSet(defaultFeatureSetPath);

/**
 * The demo model's eight features of one event, computed by the card-fraud feature set's own
 * definitions from a one-hour window given as count and sum (training builds exact windows
 * itself; the service reads bucketed ones from Redis). Aggregates include the event itself
 * (point-in-time rule for fraud: the model sees the burst the current payment is part of).
 */
export function computeFeatures(e: PaymentEvent, w: WindowAggregate): Record<string, number> {
  const values = evaluateFeatures(
    cardFraud,
    e,
    // sumsq/min/max are not read by any of the eight features.
    {
      previousEventTime: null,
      windows: { '1h': { count: w.count, fields: { amount: { sum: w.sum, sumsq: 0, min: null, max: null } }, distinct: {} } },
    },
    demoModelFeatureNames,
  );
  const out: Record<string, number> = {};
  for (const name of demoModelFeatureNames) {
    const v = values[name];
    // Only a broken card-fraud.yaml gets here; the unit tests pin every value.
    if (typeof v !== 'number') throw new TypeError(`card-fraud feature ${name} is not a number: ${String(v)}`);
    out[name] = v;
  }
  return out;
}
