import { computeFeatures as servingFeatures, demoModelFeatureNames } from '@tidewater/feature-set';
import type { SyntheticPayment } from '@tidewater/payment-simulator';
import type { PaymentEvent } from '@tidewater/schemas';

/** The demo model's input features, in tensor column order: the feature service's own list (@tidewater/feature-set), the contract between them. */
export const DEMO_FEATURE_NAMES = demoModelFeatureNames;

const HOUR_MS = 3_600_000;

/**
 * Computes each payment's features with the feature service's own definition (`computeFeatures` of
 * @tidewater/feature-set, which the service serves with), so training and serving cannot drift apart: the one-hour window is
 * (time - 1h, time] over the card's payments and includes the payment itself.
 * `payments` must be ordered by card, then time.
 */
export function computeFeatures(payments: readonly SyntheticPayment[]): number[][] {
  const rows: number[][] = [];
  let windowStart = 0;
  for (let i = 0; i < payments.length; i++) {
    const p = payments[i] as SyntheticPayment;
    if (i === 0 || (payments[i - 1] as SyntheticPayment).cardId !== p.cardId) windowStart = i;
    while ((payments[windowStart] as SyntheticPayment).time <= p.time - HOUR_MS) windowStart++;
    let sum = 0;
    for (let j = windowStart; j <= i; j++) sum += (payments[j] as SyntheticPayment).amount;
    const features = servingFeatures(asEvent(p), { count: i - windowStart + 1, sum });
    rows.push(DEMO_FEATURE_NAMES.map((name) => features[name] as number));
  }
  return rows;
}

function asEvent(p: SyntheticPayment): PaymentEvent {
  return {
    event_id: '',
    occurred_at: p.time,
    ingested_at: p.time,
    card_id: String(p.cardId),
    amount: p.amount,
    currency: 'EUR',
    merchant_id: '',
    merchant_category: '',
    country: '',
    channel: p.isEcom ? 'ecom' : 'pos',
  };
}
