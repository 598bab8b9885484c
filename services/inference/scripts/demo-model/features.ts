import type { SyntheticPayment } from '@tidewater/payment-simulator';

/** The demo model's input features, in tensor column order: the contract with the feature service. */
export const DEMO_FEATURE_NAMES = [
  'amount',
  'log_amount',
  'hour_of_day',
  'is_ecom',
  'is_night',
  'txn_count_1h',
  'amount_sum_1h',
  'amount_ratio_1h',
] as const;

const HOUR_MS = 3_600_000;

/**
 * Computes each payment's features as the feature service defines them: the one-hour window
 * is (time - 1h, time] over the card's payments and includes the payment itself.
 * `payments` must be ordered by card, then time.
 */
export function computeFeatures(payments: readonly SyntheticPayment[]): number[][] {
  const rows: number[][] = [];
  let windowStart = 0;
  for (let i = 0; i < payments.length; i++) {
    const p = payments[i] as SyntheticPayment;
    if (i === 0 || (payments[i - 1] as SyntheticPayment).cardId !== p.cardId) windowStart = i;
    while ((payments[windowStart] as SyntheticPayment).time <= p.time - HOUR_MS) windowStart++;
    // Summed afresh (windows are short) so a lone payment's ratio is exactly 1.
    let windowSum = 0;
    for (let j = windowStart; j <= i; j++) windowSum += (payments[j] as SyntheticPayment).amount;
    const count = i - windowStart + 1;
    const hour = new Date(p.time).getUTCHours();
    rows.push([p.amount, Math.log1p(p.amount), hour, p.isEcom ? 1 : 0, hour < 6 ? 1 : 0, count, windowSum, p.amount / (windowSum / count)]);
  }
  return rows;
}
