import type { PaymentEvent } from '@tidewater/schemas';
import type { WindowAggregate } from './window-state.js';

/** Name and version of the walking skeleton's feature set; the demo model's manifest lists the same names. */
export const featureSet = { name: 'payments', version: '1' } as const;

/**
 * The features of one event. Aggregates include the event itself (point-in-time rule for fraud:
 * the model sees the burst the current payment is part of).
 */
export function computeFeatures(e: PaymentEvent, w: WindowAggregate): Record<string, number> {
  const hour = new Date(e.occurred_at).getUTCHours();
  const mean = w.count > 0 ? w.sum / w.count : e.amount;
  return {
    amount: e.amount,
    log_amount: Math.log1p(e.amount),
    hour_of_day: hour,
    is_ecom: e.channel === 'ecom' ? 1 : 0,
    is_night: hour < 6 ? 1 : 0,
    txn_count_1h: w.count,
    amount_sum_1h: w.sum,
    amount_ratio_1h: mean > 0 ? e.amount / mean : 1,
  };
}
